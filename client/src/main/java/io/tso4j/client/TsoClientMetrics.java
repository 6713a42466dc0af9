package io.tso4j.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tso4j.client.internal.CallOutcome;
import io.tso4j.client.internal.ClientMetrics;
import io.tso4j.client.internal.MetricsHub;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one {@link TsoClient}, as a Micrometer {@link MeterBinder}:
 *
 * <pre>{@code
 * new TsoClientMetrics(client).bindTo(registry);
 * }</pre>
 *
 * <p>Meters (Prometheus names in parentheses; base units: seconds, counts):
 *
 * <ul>
 *   <li>{@code tso4j.client.call.latency} (timer, {@code tso4j_client_call_latency_seconds}): every call for
 *       timestamps, from the call to its result or error;</li>
 *   <li>{@code tso4j.client.calls} (counter, {@code tso4j_client_calls_total}), tag {@code outcome}: {@code ok},
 *       {@code unavailable}, {@code deadline}, {@code invalid}, {@code order_violation}, {@code cancelled},
 *       {@code error};</li>
 *   <li>{@code tso4j.client.batch.callers} and {@code tso4j.client.batch.timestamps} (summaries,
 *       {@code tso4j_client_batch_callers}, {@code tso4j_client_batch_timestamps}): callers and timestamps per
 *       request on the wire (the count of either is the number of requests);</li>
 *   <li>{@code tso4j.client.requests.inflight} (gauge, {@code tso4j_client_requests_inflight}): requests awaiting
 *       an answer;</li>
 *   <li>{@code tso4j.client.retries} (counter, {@code tso4j_client_retries_total}), tag {@code reason}:
 *       {@code redirect}, {@code unavailable}, {@code attempt_timeout}, {@code poisoned}, {@code rebootstrap};</li>
 *   <li>{@code tso4j.client.leader.changes} (counter) and {@code tso4j.client.order.violations} (counter: responses
 *       the order guard rejected).</li>
 * </ul>
 *
 * <p>Every meter carries the tag {@code client} with an id unique to the client instance in this JVM (two clients in
 * one registry never share a meter), plus any tags given here. The meters are removed from every registry they were
 * bound to when the client closes, or when this binder is closed. This is the only class of the client that uses
 * Micrometer, which is an optional dependency: an application that never creates one needs no Micrometer. Thread-safe.
 */
public final class TsoClientMetrics implements MeterBinder, AutoCloseable {
  /** The tag that names the client instance. */
  public static final String CLIENT_TAG = "client";

  private final MetricsHub hub;
  private final Tags tags;
  private final List<Sink> sinks = new CopyOnWriteArrayList<>();

  /** The meters of {@code client}, tagged with its instance id. */
  public TsoClientMetrics(TsoClient client) {
    this(client, Tags.empty());
  }

  /** The meters of {@code client}, tagged with its instance id and {@code tags}. */
  public TsoClientMetrics(TsoClient client, Iterable<Tag> tags) {
    this.hub = Objects.requireNonNull(client, "client").runtime().metrics();
    this.tags = Tags.of(CLIENT_TAG, hub.instance()).and(Objects.requireNonNull(tags, "tags"));
  }

  /** The {@code client} tag's value: this client instance's id. */
  public String clientId() {
    return hub.instance();
  }

  /**
   * Registers the meters in {@code registry}; they record from now on.
   *
   * @throws IllegalStateException if the client is closed (nothing is registered then)
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Sink s = new Sink(Objects.requireNonNull(registry, "registry"), tags, hub);
    if (!hub.add(s)) {
      s.clientClosed();
      throw new IllegalStateException("the tso4j client " + hub.instance() + " is closed");
    }
    sinks.add(s);
  }

  /** Stops recording and removes the meters from every registry they were bound to. Idempotent. */
  @Override
  public void close() {
    for (Sink s : sinks) {
      hub.remove(s);
      s.clientClosed();
    }
    sinks.clear();
  }

  /** The meters in one registry. */
  private static final class Sink implements ClientMetrics {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer latency;
    private final Map<CallOutcome, Counter> calls = new EnumMap<>(CallOutcome.class);
    private final DistributionSummary batchCallers;
    private final DistributionSummary batchTimestamps;
    private final Map<RetryReason, Counter> retries = new EnumMap<>(RetryReason.class);
    private final Counter leaderChanges;
    private final Counter violations;

    Sink(MeterRegistry registry, Tags tags, MetricsHub hub) {
      this.registry = registry;
      latency = add(Timer.builder("tso4j.client.call.latency").tags(tags)
          .description("calls for timestamps, from the call to its result or error").register(registry));
      for (CallOutcome o : CallOutcome.values()) {
        calls.put(o, add(Counter.builder("tso4j.client.calls").tags(tags).tag("outcome", o.tag())
            .description("calls for timestamps by outcome").register(registry)));
      }
      batchCallers = add(DistributionSummary.builder("tso4j.client.batch.callers").tags(tags)
          .description("callers merged into one request").register(registry));
      batchTimestamps = add(DistributionSummary.builder("tso4j.client.batch.timestamps").tags(tags)
          .description("timestamps asked for by one request").register(registry));
      add(Gauge.builder("tso4j.client.requests.inflight", hub, MetricsHub::requestsInFlight).tags(tags)
          .description("requests awaiting an answer").register(registry));
      for (RetryReason r : RetryReason.values()) {
        retries.put(r, add(Counter.builder("tso4j.client.retries").tags(tags)
            .tag("reason", r.name().toLowerCase(Locale.ROOT))
            .description("requests retried or sent elsewhere, by reason").register(registry)));
      }
      leaderChanges = add(Counter.builder("tso4j.client.leader.changes").tags(tags)
          .description("changes of the leader the client talks to").register(registry));
      violations = add(Counter.builder("tso4j.client.order.violations").tags(tags)
          .description("responses rejected by the order guard").register(registry));
    }

    private <M extends Meter> M add(M meter) {
      meters.add(meter);
      return meter;
    }

    @Override
    public void callCompleted(CallOutcome outcome, long nanos) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
      calls.get(outcome).increment();
    }

    @Override
    public void batchSent(int callers, int count) {
      batchCallers.record(callers);
      batchTimestamps.record(count);
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

    @Override
    public void clientClosed() {
      for (Meter m : meters) {
        registry.remove(m);
      }
    }
  }
}
