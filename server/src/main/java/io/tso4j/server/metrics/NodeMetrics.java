package io.tso4j.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tso4j.core.FenceOutcome;
import io.tso4j.core.FenceTimings;
import io.tso4j.core.RefusedException;
import io.tso4j.core.ServingState;
import io.tso4j.core.TimestampOracle;
import io.tso4j.server.NodeHealth;
import io.tso4j.server.TsoNode;
import io.tso4j.server.grpc.RequestRecorder;
import io.tso4j.server.grpc.ServingStateWatchService;
import io.tso4j.server.grpc.TsoGrpcService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The meters of one tso4j node, as a Micrometer {@link MeterBinder}: {@code new NodeMetrics(node).bindTo(registry)}.
 *
 * <p>Every meter carries the tag {@code node} (the node id). Prometheus names (Micrometer's names with {@code _}, the
 * unit and {@code _total}); docs/operations.md, "Metrics and alerts", says what each means:
 *
 * <ul>
 *   <li>state: {@code tso4j_serving_state{state}} (1 for the current state, 0 for the others), {@code tso4j_term},
 *       {@code tso4j_term_changes_total}, {@code tso4j_leader_known}, {@code tso4j_healthy};</li>
 *   <li>fences: {@code tso4j_election_duration_seconds}, {@code tso4j_fence_duration_seconds} and {@code
 *       tso4j_fence_phase_duration_seconds{phase}} (histograms), {@code tso4j_fences_total{outcome}};</li>
 *   <li>freezes and refusals: {@code tso4j_freeze_episodes_total}, {@code tso4j_lease_refusals_total} (the same count
 *       the freeze summary lines add up), {@code tso4j_refused_calls_total{reason}};</li>
 *   <li>window and clock: {@code tso4j_window_extensions_total}, {@code tso4j_window_extension_latency_seconds}
 *       (count and sum) and its {@code _max}, {@code tso4j_high_water_lead_seconds}, {@code tso4j_clock_lead_seconds},
 *       {@code tso4j_oracle_time_offset_seconds}, {@code tso4j_clock_jumps_total{direction}},
 *       {@code tso4j_clock_behind_episodes_total};</li>
 *   <li>requests (with a gRPC service): {@code tso4j_requests_total{outcome}}, {@code tso4j_timestamps_total},
 *       {@code tso4j_request_latency_seconds}, {@code tso4j_request_batch_size} (histograms);</li>
 *   <li>{@code tso4j_watch_subscribers} (with a serving-state watch service).</li>
 * </ul>
 *
 * <p>Gauges and function counters read the oracle's own counters when the registry is scraped ({@link
 * TimestampOracle#stats()}): the metrics and the log lines count from the same source. Binds to one registry (use a
 * {@code CompositeMeterRegistry} for several); {@link #close()} removes the meters and detaches from the node.
 * Thread-safe.
 */
public final class NodeMetrics implements MeterBinder, AutoCloseable {
  /** The tag that names the node. */
  public static final String NODE_TAG = "node";
  /** The fence-duration buckets: a fence takes one lease wait (~160 ms) plus three Raft writes. */
  static final Duration[] FENCE_BUCKETS = {
      Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
      Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
      Duration.ofSeconds(2), Duration.ofSeconds(5)};

  private final TimestampOracle oracle;
  private final TsoGrpcService service;
  private final ServingStateWatchService watch;
  private final String nodeId;
  private final List<Meter> meters = new ArrayList<>();
  private MeterRegistry registry;
  private Consumer<FenceTimings> fenceListener;

  /** The meters of {@code node}: its oracle, its gRPC service and its serving-state watch. */
  public NodeMetrics(TsoNode node) {
    this(node.oracle(), node.timestampService(), node.watchService());
  }

  /**
   * The meters of an oracle, with those of its gRPC {@code service} and {@code watch} service if they are not null (an
   * embedded oracle without gRPC passes null for both).
   */
  public NodeMetrics(TimestampOracle oracle, TsoGrpcService service, ServingStateWatchService watch) {
    this.oracle = Objects.requireNonNull(oracle, "oracle");
    this.service = service;
    this.watch = watch;
    this.nodeId = oracle.driver().localId();
  }

  /**
   * Registers the meters in {@code registry}.
   *
   * @throws IllegalStateException if this binder is already bound
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    if (this.registry != null) {
      throw new IllegalStateException("the meters of node " + nodeId + " are already bound to a registry");
    }
    this.registry = registry;
    Tags tags = Tags.of(NODE_TAG, nodeId);
    bindState(registry, tags);
    bindFences(registry, tags);
    bindRefusals(registry, tags);
    bindWindowAndClock(registry, tags);
    if (service != null) {
      service.recordRequestsWith(new RequestMeters(registry, tags, meters));
    }
    if (watch != null) {
      add(Gauge.builder("tso4j.watch.subscribers", watch, ServingStateWatchService::subscribers).tags(tags)
          .description("open serving-state watch streams").register(registry));
    }
  }

  private void bindState(MeterRegistry r, Tags tags) {
    for (ServingState.Status s : ServingState.Status.values()) {
      add(Gauge.builder("tso4j.serving.state", oracle, o -> o.state().status() == s ? 1 : 0).tags(tags)
          .tag("state", s.name()).description("1 for the node's current serving state, 0 for the others")
          .register(r));
    }
    add(Gauge.builder("tso4j.term", oracle, o -> o.state().term()).tags(tags)
        .description("the term of the serving state (the serving term while SERVING)").register(r));
    add(FunctionCounter.builder("tso4j.term.changes", oracle, o -> o.stats().termChanges()).tags(tags)
        .description("times this node learned of a newer term after the first it saw (elections)").register(r));
    add(Gauge.builder("tso4j.leader.known", oracle, o -> o.state().leaderId().isPresent() ? 1 : 0).tags(tags)
        .description("1 while the node knows a leader (itself included)").register(r));
    add(Gauge.builder("tso4j.healthy", oracle, o -> NodeHealth.of(nodeId, o.state()).healthy() ? 1 : 0).tags(tags)
        .description("1 while the node runs and knows a leader (what /health answers)").register(r));
  }

  private void bindFences(MeterRegistry r, Tags tags) {
    Timer total = add(Timer.builder("tso4j.fence.duration").tags(tags)
        .description("completed fences, from FENCING to SERVING").serviceLevelObjectives(FENCE_BUCKETS).register(r));
    Timer load = phase(r, tags, "load");
    Timer persist = phase(r, tags, "persist");
    Timer leaseWait = phase(r, tags, "lease_wait");
    Timer renew = phase(r, tags, "renew");
    Timer election = add(Timer.builder("tso4j.election.duration").tags(tags)
        .description("before each completed fence: from this node first seeing the term to the fence's start")
        .serviceLevelObjectives(FENCE_BUCKETS).register(r));
    fenceListener = t -> {
      election.record(t.election());
      total.record(t.total());
      load.record(t.load());
      persist.record(t.persist());
      leaseWait.record(t.leaseWait());
      renew.record(t.renew());
    };
    // A node is bound once it has started: its first fence may be over already. Record the last one, then listen.
    oracle.stats().lastFence().ifPresent(fenceListener);
    oracle.addFenceListener(fenceListener);
    for (FenceOutcome o : FenceOutcome.values()) {
      add(FunctionCounter.builder("tso4j.fences", oracle, x -> x.stats().fences(o)).tags(tags)
          .tag("outcome", o.name().toLowerCase(Locale.ROOT)).description("fences that ended, by outcome")
          .register(r));
    }
  }

  private Timer phase(MeterRegistry r, Tags tags, String phase) {
    return add(Timer.builder("tso4j.fence.phase.duration").tags(tags).tag("phase", phase)
        .description("the phases of completed fences (load, persist, lease_wait, renew)")
        .serviceLevelObjectives(FENCE_BUCKETS).register(r));
  }

  private void bindRefusals(MeterRegistry r, Tags tags) {
    add(FunctionCounter.builder("tso4j.freeze.episodes", oracle, o -> o.stats().freezeEpisodes()).tags(tags)
        .description("freeze episodes begun (the lease lapsed while serving: FROZEN)").register(r));
    add(FunctionCounter.builder("tso4j.lease.refusals", oracle,
            o -> o.refusals(RefusedException.Reason.LEASE_EXPIRED)).tags(tags)
        .description("calls refused because the lease had lapsed; each is in one freeze episode's summary")
        .register(r));
    for (RefusedException.Reason reason : RefusedException.Reason.values()) {
      add(FunctionCounter.builder("tso4j.refused.calls", oracle, o -> o.refusals(reason)).tags(tags)
          .tag("reason", reason.name().toLowerCase(Locale.ROOT))
          .description("calls the oracle refused (gRPC and in-process), by reason").register(r));
    }
  }

  private void bindWindowAndClock(MeterRegistry r, Tags tags) {
    add(FunctionCounter.builder("tso4j.window.extensions", oracle, o -> o.stats().windowExtensions()).tags(tags)
        .description("window extensions asked for by the allocator that committed").register(r));
    add(FunctionTimer.builder("tso4j.window.extension.latency", oracle, o -> o.stats().windowExtensions(),
            o -> o.stats().windowExtensionLatencyTotal().toNanos(), TimeUnit.NANOSECONDS).tags(tags)
        .description("from an extension request to its commit").register(r));
    add(TimeGauge.builder("tso4j.window.extension.latency.max", oracle, TimeUnit.NANOSECONDS,
            o -> o.stats().windowExtensionLatencyMax().toNanos()).tags(tags)
        .description("the longest window extension so far").register(r));
    add(TimeGauge.builder("tso4j.high.water.lead", oracle, TimeUnit.MILLISECONDS, NodeMetrics::highWaterLead)
        .tags(tags).description("the served window's high-water mark minus the wall clock (NaN when not serving)")
        .register(r));
    add(TimeGauge.builder("tso4j.clock.lead", oracle, TimeUnit.MILLISECONDS, o -> o.stats().clockLeadMillis())
        .tags(tags).description("how far the served physical time is ahead of the wall clock (0 if not ahead)")
        .register(r));
    add(TimeGauge.builder("tso4j.oracle.time.offset", oracle, TimeUnit.MILLISECONDS,
            o -> o.stats().oracleTimeOffsetMillis()).tags(tags)
        .description("the oracle time minus the wall clock at the last sample").register(r));
    add(FunctionCounter.builder("tso4j.clock.jumps", oracle, o -> o.stats().clockForwardJumps()).tags(tags)
        .tag("direction", "forward").description("wall-clock steps beyond the jump threshold").register(r));
    add(FunctionCounter.builder("tso4j.clock.jumps", oracle, o -> o.stats().clockBackwardJumps()).tags(tags)
        .tag("direction", "backward").description("wall-clock steps beyond the jump threshold").register(r));
    add(FunctionCounter.builder("tso4j.clock.behind.episodes", oracle, o -> o.stats().clockBehindEpisodes())
        .tags(tags).description("episodes with the served time more than a window ahead of the wall clock")
        .register(r));
    add(FunctionCounter.builder("tso4j.clock.suspect.episodes", oracle, o -> o.stats().clockSuspectEpisodes())
        .tags(tags).description("episodes in which a majority of the other voters saw this node's monotonic clock "
            + "run at another rate (beyond the peer-rate bound); the node does not serve during one").register(r));
    add(Gauge.builder("tso4j.clock.suspect", oracle, o -> o.clockSuspect() ? 1 : 0).tags(tags)
        .description("1 while this node's monotonic clock is suspect (it does not serve), else 0").register(r));
    add(FunctionCounter.builder("tso4j.clock.peer.disagreements", oracle, o -> o.stats().peerClockDisagreements())
        .tags(tags).description("times a single peer (not a majority) began to disagree with this node's clock "
            + "rate: that peer's clock is the likely culprit").register(r));
  }

  private static double highWaterLead(TimestampOracle o) {
    long h = o.highWaterMillis();
    return h < 0 ? Double.NaN : h - System.currentTimeMillis();
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }

  /** Removes the meters from the registry and detaches from the node. Idempotent. */
  @Override
  public synchronized void close() {
    if (registry == null) {
      return;
    }
    if (service != null) {
      service.recordRequestsWith(RequestRecorder.NONE);
    }
    if (fenceListener != null) {
      oracle.removeFenceListener(fenceListener);
    }
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }
}
