package io.tso4j.cli;

import io.tso4j.client.TsoClient;

import io.tso4j.bench.BenchConfig;
import io.tso4j.bench.BenchResult;
import io.tso4j.bench.BenchRun;
import io.tso4j.bench.BenchTarget;
import io.tso4j.bench.CounterTarget;
import io.tso4j.bench.LatencyPlot;
import io.tso4j.server.LocalCluster;
import io.tso4j.bench.TsoTarget;
import io.tso4j.bench.baseline.CounterCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tso4j bench}: a closed-loop load generator for a tso4j cluster (after pd-tso-bench), with an optional
 * side-by-side baseline where every call is one Ratis write.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure a tso4j cluster: C callers, each with one call outstanding, share one client.",
        "Reports calls/s, timestamps/s, RPCs/s, mean batch, latency percentiles and errors, and checks the order of "
            + "every result (exit 1 on any violation)."})
final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--endpoints", split = ",", paramLabel = "HOST:PORT",
      description = "Client endpoints of a running cluster (or use --local-cluster / --driver memory).")
  String[] endpoints;

  @Option(names = "--local-cluster", paramLabel = "N",
      description = "Start an N-node Ratis cluster in this process on loopback (data in a temp dir), bench it, stop it.")
  Integer localCluster;

  @Option(names = "--driver", paramLabel = "memory",
      description = "'memory': one node over the in-memory driver in this process (no consensus; for reference).")
  String driver;

  @Option(names = "--concurrency", split = ",", defaultValue = "1", paramLabel = "C[,C...]",
      description = "Callers; several values run one after another (default: ${DEFAULT-VALUE}).")
  int[] concurrency;

  @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
      description = "Measured time per run (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
      description = "Warm-up per run, not measured (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--count", defaultValue = "1", description = "Timestamps per call (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--call-timeout", defaultValue = "5s", converter = DurationConverter.class,
      description = "Deadline of one call (default: ${DEFAULT-VALUE}).")
  Duration callTimeout;

  @Option(names = "--max-in-flight", split = ",", defaultValue = "" + TsoClient.DEFAULT_MAX_REQUESTS_IN_FLIGHT,
      paramLabel = "K[,K...]", description = "Requests the client's stream may carry at once (it uses more than one "
          + "only when the round trip is the bound), 1..4; several values run side by side (default: "
          + "${DEFAULT-VALUE}, the client's).")
  int[] maxInFlight;

  @Option(names = "--baseline", paramLabel = "ratis-counter",
      description = "Also run the same load against a naive TSO: a counter in a Ratis cluster of the same size "
          + "(3 if benching --endpoints or the memory driver), one Ratis write per call.")
  String baseline;

  @Option(names = "--plot", paramLabel = "FILE.png", description = "Write latency percentiles vs concurrency as a PNG.")
  Path plot;

  @Option(names = "--json", description = "Print one JSON array instead of the table.")
  boolean json;

  @Mixin
  NodeOptions nodeOptions;

  @Mixin
  ClientTlsOptions tls;

  /** With --local-cluster: serve the nodes' metrics while the benchmark runs (off unless a port is given). */
  @Mixin
  MetricsOptions metricsOptions;

  private DaemonMetrics metrics;

  @Override
  public Integer call() throws Exception {
    validate();
    quietRatis();
    PrintWriter out = spec.commandLine().getOut();
    List<BenchResult> results = new ArrayList<>();
    Path tmp = Files.createTempDirectory("tso4j-bench");
    try {
      runTso(out, tmp, results);
      if (baseline != null) {
        runBaseline(out, tmp, results);
      }
    } finally {
      deleteQuietly(tmp);
    }
    report(out, results);
    if (plot != null) {
      LatencyPlot.write(results, plot, "tso4j bench: latency vs concurrency (count=" + count + ")");
      if (!json) {
        out.println("plot: " + plot.toAbsolutePath());
      }
    }
    out.flush();
    long violations = results.stream().mapToLong(BenchResult::orderViolations).sum();
    if (violations > 0) {
      throw new CliException(ExitCodes.FAILED, "order check failed: " + violations + " violation(s); first: "
          + results.stream().map(BenchResult::firstViolation).filter(v -> v != null).findFirst().orElse("?"));
    }
    return ExitCodes.OK;
  }

  private void validate() {
    int sources = (endpoints != null ? 1 : 0) + (localCluster != null ? 1 : 0) + (driver != null ? 1 : 0);
    if (sources != 1) {
      throw new ParameterException(spec.commandLine(),
          "give exactly one of --endpoints, --local-cluster N, --driver memory");
    }
    if (metricsOptions.requested() && endpoints != null) {
      throw new ParameterException(spec.commandLine(),
          "--metrics-port serves the metrics of --local-cluster or --driver memory; a running cluster serves its own");
    }
    if (driver != null && !driver.equals("memory")) {
      throw new ParameterException(spec.commandLine(), "--driver must be 'memory', was " + driver);
    }
    if (localCluster != null && localCluster != 1 && localCluster != 3 && localCluster != 5) {
      throw new ParameterException(spec.commandLine(), "--local-cluster must be 1, 3 or 5, was " + localCluster);
    }
    if (baseline != null && !baseline.equals("ratis-counter")) {
      throw new ParameterException(spec.commandLine(), "--baseline must be 'ratis-counter', was " + baseline);
    }
    for (int k : maxInFlight) {
      if (k < 1 || k > 4) {
        throw new ParameterException(spec.commandLine(), "--max-in-flight must be in 1..4, was " + k);
      }
    }
    try {
      for (int c : concurrency) {
        new BenchConfig(c, duration, warmup, count, drain());
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private Duration drain() {
    return callTimeout.plusSeconds(2);
  }

  private void runTso(PrintWriter out, Path tmp, List<BenchResult> results) throws Exception {
    LocalCluster cluster = null;
    List<String> target;
    String name;
    if (endpoints != null) {
      target = Arrays.asList(endpoints);
      name = "tso4j";
    } else {
      metrics = metricsOptions.requested() ? new DaemonMetrics() : null;
      cluster = localCluster != null
          ? LocalCluster.ratis(localCluster, tmp.resolve("tso"), nodeOptions.rpcTimeoutMin, nodeOptions.rpcTimeoutMax,
              nodeOptions.fenceConfig())
          : LocalCluster.memory(nodeOptions.fenceConfig());
      if (!cluster.awaitServing(Duration.ofSeconds(30))) {
        cluster.close();
        closeMetrics();
        throw new CliException(ExitCodes.FAILED, "the local cluster elected no serving leader within 30s");
      }
      target = cluster.endpoints();
      name = cluster.description() + (metrics != null ? " (metrics on)" : "");
      if (metrics != null) {
        cluster.nodes().forEach(metrics::bind);
        MetricsEndpoint e = metrics.serve(metricsOptions.hostOr("127.0.0.1"), metricsOptions.portOr(0));
        if (!json) {
          out.println("metrics: " + e.metricsUrl());
        }
      }
    }
    try {
      for (int c : concurrency) {
        for (int k : maxInFlight) {
          String label = maxInFlight.length > 1 || k > 1 ? name + " k=" + k : name;
          try (TsoTarget t = new TsoTarget(target, callTimeout, k, tls::applyTo)) {
            results.add(runOne(out, t, c, label));
          }
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      closeMetrics();
    }
  }

  private void closeMetrics() {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }

  private void runBaseline(PrintWriter out, Path tmp, List<BenchResult> results) throws Exception {
    int size = localCluster != null ? localCluster : 3;
    int maxC = Arrays.stream(concurrency).max().orElse(1);
    try (CounterCluster counter = CounterCluster.start(size, tmp.resolve("baseline"), nodeOptions.rpcTimeoutMin,
        nodeOptions.rpcTimeoutMax, Math.max(maxC, 100))) {
      BenchTarget t = new CounterTarget(counter);
      // Let the counter cluster elect a leader: the first call blocks until one does.
      awaitFirstCall(t);
      for (int c : concurrency) {
        results.add(runOne(out, t, c, "ratis-counter " + size + "-node"));
      }
    }
  }

  private void awaitFirstCall(BenchTarget t) throws InterruptedException {
    java.util.concurrent.CountDownLatch one = new java.util.concurrent.CountDownLatch(1);
    t.call(1, (first, error) -> one.countDown());
    if (!one.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new CliException(ExitCodes.FAILED, "the baseline counter cluster did not answer within 30s");
    }
  }

  private BenchResult runOne(PrintWriter out, BenchTarget t, int c, String label) throws InterruptedException {
    BenchResult r = new BenchRun(t, new BenchConfig(c, duration, warmup, count, drain()), label).run();
    if (!json) {
      if (r.unfinished() > 0) {
        out.println("warning: " + r.unfinished() + " calls were still outstanding after the drain time");
      }
      out.println(r.row());
      out.flush();
    }
    return r;
  }

  private void report(PrintWriter out, List<BenchResult> results) {
    if (json) {
      out.println(results.stream().map(BenchResult::toJson).collect(Collectors.joining(",\n  ", "[\n  ", "\n]")));
      return;
    }
    out.println();
    out.println(BenchResult.header());
    results.forEach(r -> out.println(r.row()));
    results.forEach(r -> out.println(r.checkedLine()));
    List<BenchResult> base = results.stream().filter(r -> r.target().startsWith("ratis-counter")).toList();
    for (BenchResult b : base) {
      results.stream().filter(r -> r.concurrency() == b.concurrency() && !r.target().startsWith("ratis-counter"))
          .forEach(r -> out.printf(java.util.Locale.ROOT, "C=%d: %s / %s = %.0fx calls/s%n", r.concurrency(),
              r.target(), b.target(), b.callsPerSecond() == 0 ? Double.POSITIVE_INFINITY
                  : r.callsPerSecond() / b.callsPerSecond()));
    }
    results.stream().filter(r -> !r.errors().isEmpty())
        .forEach(r -> out.println("errors " + r.target() + " C=" + r.concurrency() + ": " + r.errors()));
  }

  /**
   * Ratis logs stack traces at ERROR whenever in-process clusters start (requests before an election) and stop; in a
   * benchmark report they are noise. tso4j's own warnings (e.g. a lease freeze) stay visible.
   */
  private static void quietRatis() {
    org.slf4j.Logger ratis = org.slf4j.LoggerFactory.getLogger("org.apache.ratis");
    if (ratis instanceof ch.qos.logback.classic.Logger) {
      ((ch.qos.logback.classic.Logger) ratis).setLevel(ch.qos.logback.classic.Level.OFF);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // Leave it to the OS temp cleaner.
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // Same.
    }
  }
}
