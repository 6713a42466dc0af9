/**
 * The tso4j timestamp format: a 64-bit value {@code physical_ms << 18 | logical} ({@link
 * io.tso4j.timestamp.Timestamp}), shared by the wire contract, the client and the server core.
 *
 * <p>Module {@code tso4j-timestamp}. It has no dependencies and must never import anything outside {@code java.*}:
 * every other room depends on it, so it stays the smallest one.
 */
package io.tso4j.timestamp;
