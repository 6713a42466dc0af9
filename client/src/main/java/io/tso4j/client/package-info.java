/**
 * The tso4j Java client: {@link io.tso4j.client.TsoClient} and its value and exception types.
 *
 * <p>Everything in {@code io.tso4j.client.internal} is internal API and may change without notice.
 */
package io.tso4j.client;
