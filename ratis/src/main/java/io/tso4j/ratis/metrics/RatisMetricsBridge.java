package io.tso4j.ratis.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Histogram;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metered;
import org.apache.ratis.thirdparty.com.codahale.metrics.MetricRegistryListener;
import org.apache.ratis.thirdparty.com.codahale.metrics.Sampling;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis' own metrics (its process-wide {@link MetricRegistries}: leader elections, log appends and syncs, follower
 * heartbeats and indexes, state-machine and request-queue figures) in a Micrometer registry, as a {@link
 * MeterBinder}. Bind it once per process and before the Raft servers start; it follows registries and metrics as
 * Ratis creates and removes them.
 *
 * <p>Names: Ratis' {@code <application>.<component>.<member>.<metric>} (the application being {@code ratis} or
 * {@code ratis_...}) becomes {@code <application>.<component>.<metric_in_snake_case>} with the tags {@code node}
 * (the peer id) and {@code group} (the Raft group, {@code group-...}); a metric whose name carries another peer's id
 * (per-follower heartbeats, indexes and appender latencies, per-peer commit indexes, message counts) gets that id as
 * the tag {@code peer} instead. Types: a gauge stays a gauge (NaN
 * when not a number); a counter or meter becomes a function counter; a timer becomes a time gauge per quantile (tag
 * {@code quantile}: 0.5, 0.99, from Ratis' decaying reservoir, so not aggregable across nodes) plus a function counter
 * {@code <name>.calls}; a histogram likewise, unitless, with {@code <name>.samples}. Nothing is read on Ratis' paths:
 * the values are read when the registry is scraped.
 *
 * <p>Registering a reporter replaces the JMX reporter that Ratis would otherwise turn on by itself. Thread-safe.
 */
public final class RatisMetricsBridge implements MeterBinder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RatisMetricsBridge.class);
  /**
   * Ratis metrics whose names carry a peer id (group 1) before or inside the metric's own name (group 2): that id
   * becomes the tag {@code peer}, so that the names stay fixed across clusters.
   */
  private static final List<Pattern> PER_PEER = List.of(
      Pattern.compile("follower_(.+)_(lastHeartbeatElapsedTime|next_index|match_index|rpc_response_time)"),
      Pattern.compile("(.+)_(lastHeartbeatElapsedTime|peerCommitIndex)"),
      Pattern.compile("(.+?)_(ratis\\..+)"));
  /** The same for the gRPC log appender's per-follower metrics. */
  private static final Pattern PER_FOLLOWER_GRPC = Pattern.compile(
      "(.+)_(latency|latency_heartbeat|success_reply_count|success_reply_count_heartbeat|pending_log_requests_count)");
  private static final String GRPC_LOG_APPENDER = "ratis_grpc.log_appender";
  private static final double[] QUANTILES = {0.5, 0.99};

  private final MetricRegistries registries;
  private final Map<RatisMetricRegistry, Attached> attached = new ConcurrentHashMap<>();
  private final Consumer<RatisMetricRegistry> onCreate = this::attach;
  private final Consumer<RatisMetricRegistry> onRemove = this::detach;
  private volatile MeterRegistry registry;

  /** A bridge over Ratis' process-wide registries. */
  public RatisMetricsBridge() {
    this(MetricRegistries.global());
  }

  RatisMetricsBridge(MetricRegistries registries) {
    this.registries = Objects.requireNonNull(registries, "registries");
  }

  /**
   * Bridges every Ratis registry, those that exist now and those created later, into {@code registry}.
   *
   * @throws IllegalStateException if this bridge is already bound
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    if (this.registry != null) {
      throw new IllegalStateException("the Ratis metrics bridge is already bound to a registry");
    }
    this.registry = Objects.requireNonNull(registry, "registry");
    registries.addReporterRegistration(onCreate, onRemove);
    for (RatisMetricRegistry r : registries.getMetricRegistries()) {
      attach(r);
    }
  }

  /** How many Ratis registries are bridged now (tests). */
  int bridgedRegistries() {
    return attached.size();
  }

  /** Stops following Ratis and removes every bridged meter. Idempotent. */
  @Override
  public synchronized void close() {
    if (registry == null) {
      return;
    }
    registries.removeReporterRegistration(onCreate, onRemove);
    for (RatisMetricRegistry r : List.copyOf(attached.keySet())) {
      detach(r);
    }
  }

  private void attach(RatisMetricRegistry r) {
    MeterRegistry target = registry;
    if (target == null || !(r instanceof RatisMetricRegistryImpl impl)) {
      LOG.debug("not bridging Ratis metric registry {}", r.getMetricRegistryInfo());
      return;
    }
    Attached a = new Attached(target, r.getMetricRegistryInfo());
    if (attached.putIfAbsent(r, a) == null) {
      // Reports the metrics already there, then every later addition and removal.
      impl.getDropWizardMetricRegistry().addListener(a);
    }
  }

  private void detach(RatisMetricRegistry r) {
    Attached a = attached.remove(r);
    if (a != null && r instanceof RatisMetricRegistryImpl impl) {
      impl.getDropWizardMetricRegistry().removeListener(a);
      a.removeAll();
    }
  }

  /** Ratis' {@code camelCase} or {@code dotted.name} as {@code snake_case}. */
  static String snake(String name) {
    StringBuilder b = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        if (i > 0 && b.length() > 0 && b.charAt(b.length() - 1) != '_'
            && !Character.isUpperCase(name.charAt(i - 1))) {
          b.append('_');
        }
        b.append(Character.toLowerCase(c));
      } else if (Character.isLetterOrDigit(c)) {
        b.append(c);
      } else if (b.length() > 0 && b.charAt(b.length() - 1) != '_') {
        b.append('_');
      }
    }
    return b.toString();
  }

  /** The meters of one Ratis registry; its listener. */
  private static final class Attached extends MetricRegistryListener.Base {
    private final MeterRegistry target;
    private final String namePrefix;
    private final String base;
    private final Tags tags;
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

    Attached(MeterRegistry target, MetricRegistryInfo info) {
      this.target = target;
      this.namePrefix = join(info.getApplicationName(), info.getMetricsComponentName(), info.getPrefix());
      String app = snake(nonNull(info.getApplicationName()));
      this.base = (app.isEmpty() ? "ratis" : app) + "." + snake(nonNull(info.getMetricsComponentName()));
      String member = nonNull(info.getPrefix());
      int at = member.indexOf('@');
      this.tags = Tags.of("node", at < 0 ? member : member.substring(0, at), "group", at < 0 ? ""
          : member.substring(at + 1));
    }

    private static String nonNull(String s) {
      return s == null ? "" : s;
    }

    private static String join(String... parts) {
      StringBuilder b = new StringBuilder();
      for (String p : parts) {
        if (p != null && !p.isEmpty()) {
          if (b.length() > 0) {
            b.append('.');
          }
          b.append(p);
        }
      }
      return b.toString();
    }

    /** The Micrometer name and tags of the Ratis metric {@code fullName}. */
    private Named named(String fullName) {
      String shortName = fullName.startsWith(namePrefix + ".") ? fullName.substring(namePrefix.length() + 1)
          : fullName;
      for (int i = 0; i < PER_PEER.size(); i++) {
        Matcher m = PER_PEER.get(i).matcher(shortName);
        if (m.matches()) {
          return new Named(base + "." + (i == 0 ? "follower_" : "") + snake(m.group(2)), tags.and("peer", m.group(1)));
        }
      }
      Matcher g = PER_FOLLOWER_GRPC.matcher(shortName);
      if (base.equals(GRPC_LOG_APPENDER) && g.matches()) {
        return new Named(base + "." + snake(g.group(2)), tags.and("peer", g.group(1)));
      }
      return new Named(base + "." + snake(shortName), tags);
    }

    private record Named(String name, Tags tags) {
    }

    /**
     * Registers the meters of {@code fullName}. Runs inside Ratis' metric registration: a name that clashes with a
     * meter of another type is skipped (logged), never thrown back into Ratis.
     */
    private void add(String fullName, Function<Named, List<Meter>> make) {
      List<Meter> added;
      try {
        added = make.apply(named(fullName));
      } catch (RuntimeException e) {
        LOG.debug("not bridging Ratis metric {}: {}", fullName, e.toString());
        return;
      }
      List<Meter> old = meters.put(fullName, added);
      if (old != null) {
        old.forEach(target::remove);
      }
    }

    private void removeMetric(String fullName) {
      List<Meter> old = meters.remove(fullName);
      if (old != null) {
        old.forEach(target::remove);
      }
    }

    void removeAll() {
      for (String name : List.copyOf(meters.keySet())) {
        removeMetric(name);
      }
    }

    @Override
    public void onGaugeAdded(String fullName, org.apache.ratis.thirdparty.com.codahale.metrics.Gauge<?> gauge) {
      add(fullName, n -> List.of(Gauge.builder(n.name(), gauge, Attached::numberOf).tags(n.tags())
          .description("Ratis gauge " + fullName).strongReference(true).register(target)));
    }

    private static double numberOf(org.apache.ratis.thirdparty.com.codahale.metrics.Gauge<?> g) {
      try {
        return g.getValue() instanceof Number n ? n.doubleValue() : Double.NaN;
      } catch (RuntimeException e) {
        return Double.NaN;
      }
    }

    @Override
    public void onCounterAdded(String fullName, Counter counter) {
      add(fullName, n -> List.of(FunctionCounter.builder(n.name(), counter, Counter::getCount).tags(n.tags())
          .description("Ratis counter " + fullName).register(target)));
    }

    @Override
    public void onMeterAdded(String fullName, org.apache.ratis.thirdparty.com.codahale.metrics.Meter meter) {
      add(fullName, n -> List.of(FunctionCounter.builder(n.name(), meter, Metered::getCount).tags(n.tags())
          .description("Ratis meter " + fullName).register(target)));
    }

    @Override
    public void onTimerAdded(String fullName, Timer timer) {
      add(fullName, n -> {
        List<Meter> added = new ArrayList<>();
        for (double q : QUANTILES) {
          added.add(TimeGauge.builder(n.name(), timer, TimeUnit.NANOSECONDS, quantile(q)).tags(n.tags())
              .tag("quantile", Double.toString(q)).description("Ratis timer " + fullName + " (decaying reservoir)")
              .register(target));
        }
        added.add(FunctionCounter.builder(n.name() + ".calls", timer, Metered::getCount).tags(n.tags())
            .description("Ratis timer " + fullName + ": samples").register(target));
        return added;
      });
    }

    @Override
    public void onHistogramAdded(String fullName, Histogram histogram) {
      add(fullName, n -> {
        List<Meter> added = new ArrayList<>();
        for (double q : QUANTILES) {
          added.add(Gauge.builder(n.name(), histogram, quantile(q)).tags(n.tags())
              .tag("quantile", Double.toString(q)).description("Ratis histogram " + fullName + " (decaying reservoir)")
              .strongReference(true).register(target));
        }
        added.add(FunctionCounter.builder(n.name() + ".samples", histogram, Histogram::getCount).tags(n.tags())
            .description("Ratis histogram " + fullName + ": samples").register(target));
        return added;
      });
    }

    private static <S extends Sampling> ToDoubleFunction<S> quantile(double q) {
      return s -> {
        try {
          return s.getSnapshot().getValue(q);
        } catch (RuntimeException e) {
          return Double.NaN;
        }
      };
    }

    @Override
    public void onGaugeRemoved(String fullName) {
      removeMetric(fullName);
    }

    @Override
    public void onCounterRemoved(String fullName) {
      removeMetric(fullName);
    }

    @Override
    public void onMeterRemoved(String fullName) {
      removeMetric(fullName);
    }

    @Override
    public void onTimerRemoved(String fullName) {
      removeMetric(fullName);
    }

    @Override
    public void onHistogramRemoved(String fullName) {
      removeMetric(fullName);
    }
  }
}
