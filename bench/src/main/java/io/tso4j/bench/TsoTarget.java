package io.tso4j.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The tso4j client as a benchmark target: one {@link TsoClient} shared by every caller, with its metrics in a private
 * Micrometer registry (for RPCs and batch sizes). Thread-safe.
 */
public final class TsoTarget implements BenchTarget {
  private final TsoClient client;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final DistributionSummary batchCallers;
  private final AtomicLong firstTerm = new AtomicLong(Stats.NO_TERM);
  private final AtomicLong newestTerm = new AtomicLong(Stats.NO_TERM);

  /** A client of {@code endpoints} with the given call deadline and pipelining depth (plaintext). */
  public TsoTarget(List<String> endpoints, Duration callTimeout, int maxInFlight) {
    this(endpoints, callTimeout, maxInFlight, UnaryOperator.identity());
  }

  /**
   * A client of {@code endpoints} with the given call deadline and pipelining depth, whose builder {@code security}
   * may also set up TLS (for example {@code b -> b.tls(caFile)}).
   */
  public TsoTarget(List<String> endpoints, Duration callTimeout, int maxInFlight,
      UnaryOperator<TsoClient.Builder> security) {
    this.client = security.apply(TsoClient.newBuilder().endpoints(endpoints).callTimeout(callTimeout)
        .maxRequestsInFlight(maxInFlight)).build();
    TsoClientMetrics metrics = new TsoClientMetrics(client);
    metrics.bindTo(registry);
    this.batchCallers = registry.get("tso4j.client.batch.callers").tags("client", metrics.clientId()).summary();
  }

  @Override
  public String name() {
    return "tso4j";
  }

  @Override
  public void call(int count, Completion completion) {
    client.getTimestampsAsync(count).whenComplete((range, error) -> {
      if (range != null && range.term() > newestTerm.get()) { // a plain read on the hot path; a write per new term
        firstTerm.compareAndSet(Stats.NO_TERM, range.term());
        newestTerm.accumulateAndGet(range.term(), Math::max);
      }
      completion.done(range == null ? -1 : range.first().toLong(), error);
    });
  }

  @Override
  public Stats stats() {
    return new Stats(batchCallers.count(), (long) batchCallers.totalAmount(), firstTerm.get(),
        newestTerm.get());
  }

  /** How many responses the client's own order guard rejected. */
  public long clientOrderViolations() {
    return client.orderViolations();
  }

  @Override
  public void close() {
    client.close();
  }
}
