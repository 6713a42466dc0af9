/**
 * Internal parts of the tso4j client (channels, leader cache, order guard, retries, wire constants). Not API: public
 * types here are public only for {@code io.tso4j.client} and the tso4j server.
 */
package io.tso4j.client.internal;
