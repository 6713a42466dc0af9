package io.tso4j.core;

import java.util.function.Consumer;

/**
 * The timestamp oracle of one node: the allocator, the leader watch that fences and leases it, and the published
 * serving state, over one {@link ConsensusDriver}.
 *
 * <p>This is the in-process API: {@link #allocate(int)} hands out timestamps with the same guarantees as the gRPC
 * service (which is a thin layer over it). Thread-safe. Lifecycle: construct, {@link #start()}, {@link #close()}.
 */
public final class TimestampOracle implements AutoCloseable {
  private final ConsensusDriver driver;
  private final TimestampAllocator allocator;
  private final ServingStatePublisher publisher;
  private final LeaderWatch watch;

  /**
   * An oracle over {@code driver}. {@code fatalHandler} runs (on its own thread) when the oracle is poisoned by a
   * permanent error; a daemon exits there, an embedding application stops what depends on the oracle.
   */
  public TimestampOracle(ConsensusDriver driver, FenceConfig config, TsoClock clock,
      Consumer<Throwable> fatalHandler) {
    this.driver = driver;
    this.publisher = new ServingStatePublisher(driver.localId());
    LeaderWatch[] holder = new LeaderWatch[1];
    this.allocator = new TimestampAllocator(clock, config.extendThreshold().toMillis(),
        () -> holder[0].requestExtension());
    this.watch = new LeaderWatch(driver, allocator, publisher, config, clock, fatalHandler);
    holder[0] = watch;
  }

  /**
   * Starts the leader watch and the driver. If the driver fails to start, the leader watch is stopped again before the
   * error is rethrown (no thread is left behind).
   */
  public void start() throws ConsensusException {
    watch.start();
    try {
      driver.start(watch::onLeadershipEvent);
    } catch (ConsensusException | RuntimeException | Error e) {
      allocator.close();
      watch.close();
      throw e;
    }
  }

  /**
   * Stops serving for good (graceful shutdown, before a leadership transfer): closes the allocator at once, so no
   * request that arrives from now on gets a timestamp, and stops the leader watch (the state becomes STOPPED). The
   * driver keeps running; its owner closes it. Idempotent.
   */
  public void stopServing() {
    allocator.close();
    watch.close();
  }

  /** Counters of freezes, refusals and clock trouble (cheap to read; for metrics and tests). */
  public OracleStats stats() {
    ClockWatch c = watch.clockWatch();
    return new OracleStats(watch.freezeEpisodes(), allocator.leaseRefusals(), c.forwardJumps(), c.backwardJumps(),
        c.behindEpisodes(), c.leadMillis());
  }

  /**
   * Hands out {@code count} consecutive timestamps (1..262144) in one physical millisecond.
   *
   * @throws RefusedException if this node does not serve now, or the count is invalid
   */
  public Grant allocate(int count) throws RefusedException {
    return allocator.allocate(count);
  }

  /** The current serving state. */
  public ServingState state() {
    return publisher.current();
  }

  /** Adds a serving-state listener (called at once with the current state, then on every change). */
  public void addListener(Consumer<ServingState> listener) {
    publisher.addListener(listener);
  }

  /** Removes a serving-state listener. */
  public void removeListener(Consumer<ServingState> listener) {
    publisher.removeListener(listener);
  }

  /** The driver underneath (leadership, members). */
  public ConsensusDriver driver() {
    return driver;
  }

  /** The last timestamp this node handed out, or -1. */
  public long lastIssued() {
    return allocator.lastIssued();
  }

  /** Stops serving, then the leader watch; does not close the driver (its owner does). */
  @Override
  public void close() {
    allocator.close();
    watch.close();
  }
}
