package io.tso4j.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tso4j.server.grpc.RequestOutcome;
import io.tso4j.server.grpc.RequestRecorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The request meters of one node's gRPC service, fed by the service as its {@link RequestRecorder}: requests by
 * outcome, their latency, and the timestamps per served request. Per request: two clock reads, one counter
 * increment, one timer and one summary sample (no allocation); the timestamps counter reads the summary's total.
 */
final class RequestMeters implements RequestRecorder {
  /** The latency buckets: a request is served from memory in microseconds; anything near a millisecond is slow. */
  static final Duration[] LATENCY_BUCKETS = {
      Duration.ofNanos(5_000), Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000),
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofMillis(1), Duration.ofMillis(5),
      Duration.ofMillis(25), Duration.ofMillis(100)};
  /** The batch-size buckets: powers of four up to the largest count a request may ask for. */
  static final double[] BATCH_BUCKETS = {1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144};

  private final Counter[] requests = new Counter[RequestOutcome.values().length];
  private final Timer latency;
  private final DistributionSummary batch;

  RequestMeters(MeterRegistry registry, Tags tags, List<Meter> meters) {
    for (RequestOutcome o : RequestOutcome.values()) {
      requests[o.ordinal()] = add(meters, Counter.builder("tso4j.requests").tags(tags).tag("outcome", o.tag())
          .description("timestamp requests on the gRPC service, by outcome").register(registry));
    }
    latency = add(meters, Timer.builder("tso4j.request.latency").tags(tags)
        .description("time the server spends on one timestamp request (check and allocate), any outcome")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    batch = add(meters, DistributionSummary.builder("tso4j.request.batch.size").tags(tags)
        .description("timestamps per served request (one request may carry many callers' batch)")
        .serviceLevelObjectives(BATCH_BUCKETS).register(registry));
    add(meters, FunctionCounter.builder("tso4j.timestamps", batch, DistributionSummary::totalAmount).tags(tags)
        .description("timestamps handed out on the gRPC service").register(registry));
  }

  private static <M extends Meter> M add(List<Meter> meters, M meter) {
    meters.add(meter);
    return meter;
  }

  @Override
  public long start() {
    return System.nanoTime();
  }

  @Override
  public void served(int count, long startNanos) {
    latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    requests[RequestOutcome.OK.ordinal()].increment();
    batch.record(count);
  }

  @Override
  public void refused(RequestOutcome outcome, long startNanos) {
    latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    requests[outcome.ordinal()].increment();
  }
}
