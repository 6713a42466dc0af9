package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import java.util.concurrent.CompletableFuture;

/**
 * How the client turns requests for timestamps into RPCs ({@link StreamDispatcher} coalesces them onto a stream).
 * Implementations are thread-safe.
 */
interface TimestampDispatcher {
  /** Asks for {@code count} timestamps (already validated to 1..262144). */
  CompletableFuture<TimestampRange> dispatch(int count);
}
