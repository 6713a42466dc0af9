package io.tso4j.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timestamp oracle of one node: the allocator, the leader watch that fences and leases it, the oracle time both
 * use, and the published serving state, over one {@link ConsensusDriver}.
 *
 * <p>This is the in-process API: {@link #allocate(int)} hands out timestamps with the same guarantees as the gRPC
 * service (which is a thin layer over it). Thread-safe. Lifecycle: construct, {@link #start()}, then {@link
 * #stopServingAndReleaseLease} (graceful handoff) or {@link #stopServing()}, and {@link #close()}.
 */
public final class TimestampOracle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TimestampOracle.class);
  private final ConsensusDriver driver;
  private final TimestampAllocator allocator;
  private final ServingStatePublisher publisher;
  private final OracleTime time;
  private final OracleCounters counters = new OracleCounters();
  private final LeaderWatch watch;
  private final TsoClock clock;
  private final PeerClockRate clockRate;

  /**
   * An oracle over {@code driver}. {@code fatalHandler} runs (on its own thread) when the oracle is poisoned by a
   * permanent error; a daemon exits there, an embedding application stops what depends on the oracle.
   *
   * @throws IllegalArgumentException if {@code config} does not fit the driver's lease ({@link
   *     FenceConfig#checkAgainstLease}); the message names both values
   */
  public TimestampOracle(ConsensusDriver driver, FenceConfig config, TsoClock clock,
      Consumer<Throwable> fatalHandler) {
    config.checkAgainstLease(driver.leaseDuration());
    this.driver = driver;
    this.clock = clock;
    this.publisher = new ServingStatePublisher(driver.localId());
    this.time = new OracleTime(clock, config.maxClockSlew());
    LeaderWatch[] holder = new LeaderWatch[1];
    this.allocator = new TimestampAllocator(clock, time::nowMillis, config.extendThreshold().toMillis(),
        () -> holder[0].requestExtension());
    this.watch = new LeaderWatch(driver, allocator, publisher, config, clock, time, counters, fatalHandler);
    holder[0] = watch;
    this.clockRate = new PeerClockRate(config.peerClockRateBound(), config.peerClockRateWindow().toNanos());
  }

  /**
   * Starts the leader watch and the driver. If the driver fails to start, the leader watch is stopped again before the
   * error is rethrown (no thread is left behind).
   */
  public void start() throws ConsensusException {
    watch.start();
    try {
      driver.startPeerClockSamples(clock::monoNanos, this::observePeerClock);
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
   * driver keeps running; its owner closes it. The next leader waits out this node's lease as after a crash; {@link
   * #stopServingAndReleaseLease} spares it that wait. Idempotent.
   */
  public void stopServing() {
    allocator.close();
    watch.close();
  }

  /**
   * Graceful handoff, step one (H3): if this node serves, it renews its lease now and sends no keep-alive for up to
   * {@code hold}, so that it keeps serving on that lease while leadership is transferred (a keep-alive sent during a
   * transfer fails and would stop it at once), and after the transfer deposed it, until that lease ends. The next
   * leader's fence waits the lease out as after a crash (F6, F6b). After the transfer, wait out the returned time,
   * then call {@link #stopServingAndReleaseLease}: it releases the lease if this node still leads.
   *
   * @return how long the renewed lease still runs; {@link Duration#ZERO} if this node does not serve or the renewal
   *     failed
   */
  public Duration prepareHandoff(Duration hold) {
    return watch.prepareHandoff(hold);
  }

  /**
   * Graceful handoff: stops serving for good (the allocator closes at once, as in {@link #stopServing()}), then, if
   * this node serves a term whose fence completed, commits a lease release through the log (term-checked; it carries
   * the highest physical time this node could have served) and waits up to {@code timeout} for it. Call it before
   * transferring leadership: a new leader whose load finds this release as the last lease event may skip its lease
   * wait (docs/correctness.md H2). The driver keeps running. Idempotent.
   *
   * @return true if the release committed; false if this node held no lease to release (not serving, or its fence had
   *     not completed) or the release did not commit in time (the next leader then waits out the lease)
   */
  public boolean stopServingAndReleaseLease(Duration timeout) {
    allocator.close();
    boolean released = watch.stopAndRelease(timeout);
    watch.close();
    return released;
  }

  /** Counters of freezes, refusals, clock trouble, fences, window extensions and terms (cheap to read). */
  public OracleStats stats() {
    ClockWatch c = watch.clockWatch();
    Map<RefusedException.Reason, Long> refusals = new EnumMap<>(RefusedException.Reason.class);
    for (RefusedException.Reason r : RefusedException.Reason.values()) {
      refusals.put(r, allocator.refusals(r));
    }
    return new OracleStats(watch.protocol().freezeEpisodes(), refusals.get(RefusedException.Reason.LEASE_EXPIRED),
        c.forwardJumps(), c.backwardJumps(), c.behindEpisodes(), c.leadMillis(), c.oracleOffsetMillis(),
        counters.fenceOutcomes(), counters.windowExtensions(), counters.windowExtensionLatencyTotal(),
        counters.windowExtensionLatencyMax(), counters.lastFence(), refusals, clockRate.episodes(),
        clockRate.suspect(), clockRate.peerDisagreements(), watch.protocol().termChanges());
  }

  /**
   * Feeds one reading of a peer's monotonic clock to the peer-rate check (docs/correctness.md C6); the driver calls
   * it ({@link ConsensusDriver#startPeerClockSamples}), tests may too. When a majority of the other voters sees this
   * node's clock run at another rate, the node stops serving, hands leadership away and refuses with "clock suspect:
   * ..." until they agree again (then a normal fence). One WARN when that starts, one INFO when it ends. Thread-safe,
   * cheap.
   */
  public void observePeerClock(PeerClockSample sample) {
    PeerClockRate.Verdict v = clockRate.observe(sample);
    String id = driver.localId();
    for (PeerClockRate.Estimate e : v.newlyDisagreeing()) {
      LOG.info("[{}] the monotonic clock of peer {} disagrees with this node's: ours / theirs = {} over {} samples "
          + "(bound {}%); not a majority, so it is the peer's clock, not ours: nothing changes here", id, e.peer(),
          String.format(java.util.Locale.ROOT, "%.3f", e.ratio()), e.samples(), PeerClockRate.percent(
          clockRate.bound()));
    }
    if (!v.changed()) {
      return;
    }
    if (v.suspect()) {
      String note = "clock suspect: " + v.reason();
      allocator.notServingBecause(note);
      LOG.warn("[{}] CLOCK SUSPECT: a majority of the other voters sees this node's {}; not serving, handing "
          + "leadership away until they agree again", id, v.reason());
      watch.onClockVerdict(true, v.reason());
    } else {
      allocator.notServingBecause(null);
      LOG.info("[{}] clock no longer suspect: a majority of the other voters agrees with this node's monotonic rate "
          + "again (was: {}); serving may resume after a fence", id, v.reason());
      watch.onClockVerdict(false, v.reason());
    }
  }

  /** Whether a majority of the other voters sees this node's monotonic clock run at another rate now (C6). */
  public boolean clockSuspect() {
    return clockRate.suspect();
  }

  /** How many calls were refused with {@code reason} so far (cheaper than {@link #stats()} for one reason). */
  public long refusals(RefusedException.Reason reason) {
    return allocator.refusals(reason);
  }

  /**
   * The high-water mark H of the window this node serves (milliseconds: the largest physical part it may hand out
   * before the next extension), or -1 when it serves no window.
   */
  public long highWaterMillis() {
    return allocator.limit();
  }

  /**
   * Adds a listener that receives the phases of every completed fence (on the leader watch's thread; it must return
   * quickly). A server turns these into metrics.
   */
  public void addFenceListener(Consumer<FenceTimings> listener) {
    watch.addFenceListener(listener);
  }

  /** Removes a fence listener. */
  public void removeFenceListener(Consumer<FenceTimings> listener) {
    watch.removeFenceListener(listener);
  }

  /**
   * Hands out {@code count} consecutive timestamps (1..262144) in one physical millisecond.
   *
   * @throws RefusedException if this node does not serve now, or the count is invalid
   */
  public Grant allocate(int count) throws RefusedException {
    return allocator.allocate(count);
  }

  /**
   * While this node fences the term it leads, how long until it expects to serve (zero when the expected moment has
   * passed and the fence still runs); empty when it is not fencing. An estimate, for the leader hint of a refusal
   * (clients wait rather than go elsewhere); it promises nothing.
   */
  public Optional<Duration> expectedToServeIn() {
    long at = watch.protocol().expectedServingAtNanos();
    if (at == FenceProtocol.NO_ESTIMATE) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, at - clock.monoNanos())));
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

  /** The oracle time now (milliseconds): the physical part a grant made now would start from. */
  public long physicalTimeMillis() {
    return time.nowMillis();
  }

  /**
   * The positive control of the lease-release rule (tests only): this oracle's next fences skip the lease wait
   * without a release. It breaks real-time order on purpose; see docs/correctness.md H2.
   */
  void unsafeSkipLeaseWaitWithoutRelease() {
    watch.protocol().unsafeSkipLeaseWaitWithoutRelease();
  }

  /** Stops serving, then the leader watch; does not close the driver (its owner does). */
  @Override
  public void close() {
    allocator.close();
    watch.close();
  }
}
