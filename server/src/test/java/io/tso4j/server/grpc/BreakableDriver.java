package io.tso4j.server.grpc;

import io.tso4j.core.ConsensusDriver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.LoadedMark;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A driver that delegates to another until {@link #breakPermanently()}; from then on every write fails with
 * PERMANENT while leadership is still reported, so the oracle is poisoned deterministically. {@link #stallWrites}
 * makes writes hang instead (they never complete), so the lease lapses: FROZEN.
 */
final class BreakableDriver implements ConsensusDriver {
  private final ConsensusDriver delegate;
  private volatile boolean broken;
  private volatile boolean stalled;

  BreakableDriver(ConsensusDriver delegate) {
    this.delegate = delegate;
  }

  void breakPermanently() {
    broken = true;
  }

  /** While {@code stall}, persists never complete (a partitioned or stuck log); afterwards they go through again. */
  void stallWrites(boolean stall) {
    stalled = stall;
  }

  @Override
  public void start(Consumer<LeadershipEvent> listener) throws ConsensusException {
    delegate.start(listener);
  }

  @Override
  public CompletableFuture<LoadedMark> loadHighWater(long term) {
    return broken ? failed() : delegate.loadHighWater(term);
  }

  @Override
  public CompletableFuture<Long> releaseLease(long term, long servedUpTo) {
    return broken ? failed() : delegate.releaseLease(term, servedUpTo);
  }

  @Override
  public CompletableFuture<Long> persistHighWater(long atLeast, long term) {
    if (stalled) {
      return new CompletableFuture<>();
    }
    return broken ? failed() : delegate.persistHighWater(atLeast, term);
  }

  @Override
  public Duration leaseDuration() {
    return delegate.leaseDuration();
  }

  @Override
  public LeadershipEvent currentLeadership() {
    return delegate.currentLeadership();
  }

  @Override
  public String localId() {
    return delegate.localId();
  }

  @Override
  public void close() {
    delegate.close();
  }

  private static <T> CompletableFuture<T> failed() {
    return CompletableFuture.failedFuture(
        new ConsensusException(ConsensusException.Kind.PERMANENT, "broken on purpose by the test"));
  }
}
