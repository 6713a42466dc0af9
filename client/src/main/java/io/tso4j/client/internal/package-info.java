/**
 * Internal parts of the tso4j client (channels, leader cache, order guard, dispatch, retries). Not API: public types
 * here are public only for {@code io.tso4j.client}.
 */
package io.tso4j.client.internal;
