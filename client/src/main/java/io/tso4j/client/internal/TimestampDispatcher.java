package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import java.util.concurrent.CompletableFuture;

/**
 * How the client turns requests for timestamps into RPCs. The minimal client sends one unary call per request
 * ({@link UnaryDispatcher}); a batching client can coalesce requests onto a stream behind the same interface.
 * Implementations are thread-safe.
 */
interface TimestampDispatcher {
  /** Asks for {@code count} timestamps (already validated to 1..262144). */
  CompletableFuture<TimestampRange> dispatch(int count);
}
