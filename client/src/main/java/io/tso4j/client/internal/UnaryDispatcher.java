package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** One {@link RetryingCall} of GetTimestamp per request. Thread-safe. */
final class UnaryDispatcher implements TimestampDispatcher {
  private final ClientRuntime runtime;
  private final OrderGuard guard;
  private final AtomicLong requestIds = new AtomicLong();

  UnaryDispatcher(ClientRuntime runtime, OrderGuard guard) {
    this.runtime = runtime;
    this.guard = guard;
  }

  @Override
  public CompletableFuture<TimestampRange> dispatch(int count) {
    long id = requestIds.incrementAndGet();
    return runtime.run(new TimestampExchange(count, id, guard, runtime.leaders()));
  }
}
