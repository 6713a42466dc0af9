package io.tso4j.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The oracle's cumulative counters that the leader watch updates: fence outcomes by kind, window extensions and their
 * latency, the last completed fence. Thread-safe: one writer (the leader watch), any number of readers.
 */
final class OracleCounters {
  private final Map<FenceOutcome, LongAdder> fences = new EnumMap<>(FenceOutcome.class);
  private final LongAdder extensions = new LongAdder();
  private final LongAdder extensionNanos = new LongAdder();
  private final AtomicLong maxExtensionNanos = new AtomicLong();
  private volatile FenceTimings lastFence;

  OracleCounters() {
    for (FenceOutcome o : FenceOutcome.values()) {
      fences.put(o, new LongAdder());
    }
  }

  void fenceEnded(FenceOutcome outcome, Optional<FenceTimings> timings) {
    fences.get(outcome).increment();
    timings.ifPresent(t -> lastFence = t);
  }

  void windowExtended(long latencyNanos) {
    extensions.increment();
    extensionNanos.add(latencyNanos);
    maxExtensionNanos.accumulateAndGet(latencyNanos, Math::max);
  }

  Map<FenceOutcome, Long> fenceOutcomes() {
    Map<FenceOutcome, Long> m = new EnumMap<>(FenceOutcome.class);
    fences.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  long windowExtensions() {
    return extensions.sum();
  }

  Duration windowExtensionLatencyTotal() {
    return Duration.ofNanos(extensionNanos.sum());
  }

  Duration windowExtensionLatencyMax() {
    return Duration.ofNanos(maxExtensionNanos.get());
  }

  Optional<FenceTimings> lastFence() {
    return Optional.ofNullable(lastFence);
  }
}
