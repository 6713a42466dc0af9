package io.tso4j.client.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Client metrics recorded into a Micrometer {@link MeterRegistry}. This is the only class of the client that names
 * Micrometer types; it is loaded only when an application passes a registry, so the client runs without Micrometer
 * on the class path otherwise. Meter names:
 *
 * <ul>
 *   <li>{@code tso4j.client.calls} (counter): calls started;</li>
 *   <li>{@code tso4j.client.rpcs} (counter): requests sent on the wire;</li>
 *   <li>{@code tso4j.client.batch.callers} and {@code tso4j.client.batch.timestamps} (summaries): callers and
 *       timestamps per request;</li>
 *   <li>{@code tso4j.client.rpcs.inflight} (gauge): requests awaiting an answer;</li>
 *   <li>{@code tso4j.client.retries} (counter, tag {@code reason}): retries and redirects;</li>
 *   <li>{@code tso4j.client.leader.changes} (counter);</li>
 *   <li>{@code tso4j.client.order.violations} (counter).</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class MicrometerMetrics implements ClientMetrics {
  private final MeterRegistry registry;
  private final Counter calls;
  private final Counter rpcs;
  private final DistributionSummary batchCallers;
  private final DistributionSummary batchTimestamps;
  private final Map<RetryReason, Counter> retries = new EnumMap<>(RetryReason.class);
  private final Counter leaderChanges;
  private final Counter violations;

  /**
   * Metrics into {@code registry}, which must be a {@code io.micrometer.core.instrument.MeterRegistry}.
   *
   * @throws IllegalArgumentException if it is not
   */
  static ClientMetrics of(Object registry) {
    if (!(registry instanceof MeterRegistry)) {
      throw new IllegalArgumentException("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry, was "
          + registry.getClass().getName());
    }
    return new MicrometerMetrics((MeterRegistry) registry);
  }

  private MicrometerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.calls = Counter.builder("tso4j.client.calls").description("calls started").register(registry);
    this.rpcs = Counter.builder("tso4j.client.rpcs").description("requests sent").register(registry);
    this.batchCallers = DistributionSummary.builder("tso4j.client.batch.callers")
        .description("callers merged into one request").register(registry);
    this.batchTimestamps = DistributionSummary.builder("tso4j.client.batch.timestamps")
        .description("timestamps asked for by one request").register(registry);
    for (RetryReason r : RetryReason.values()) {
      retries.put(r, Counter.builder("tso4j.client.retries").tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
          .description("retries and redirects").register(registry));
    }
    this.leaderChanges = Counter.builder("tso4j.client.leader.changes").register(registry);
    this.violations = Counter.builder("tso4j.client.order.violations")
        .description("responses rejected by the order guard").register(registry);
  }

  @Override
  public void callStarted() {
    calls.increment();
  }

  @Override
  public void batchSent(int callers, int count) {
    rpcs.increment();
    batchCallers.record(callers);
    batchTimestamps.record(count);
  }

  @Override
  public void inFlightGauge(IntSupplier inFlight) {
    Gauge.builder("tso4j.client.rpcs.inflight", inFlight, IntSupplier::getAsInt)
        .description("requests awaiting an answer").strongReference(true).register(registry);
  }

  @Override
  public void retried(RetryReason reason) {
    retries.get(reason).increment();
  }

  @Override
  public void leaderChanged() {
    leaderChanges.increment();
  }

  @Override
  public void orderViolation() {
    violations.increment();
  }
}
