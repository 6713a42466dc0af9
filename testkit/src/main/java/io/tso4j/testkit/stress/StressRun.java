package io.tso4j.testkit.stress;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stress run: start a 3-node cluster of {@code tso4j serve} processes, wait for a leader, run the workload and the
 * scenario (nemesis or rolling restart) for the configured time, stop, check the history, compute the report. Every
 * child process is killed when the run ends, fails, or is closed. Bounded in time: it stops by itself.
 */
public final class StressRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StressRun.class);
  private static final int NODES = 3;

  private final StressOptions options;
  private final String nodeMainClass;
  private StressCluster cluster;

  /**
   * A run with {@code options} whose nodes run {@code nodeMainClass serve ...} (the stock command line's main class)
   * under the testkit's fault hooks; nothing starts until {@link #run()}.
   */
  public StressRun(StressOptions options, String nodeMainClass) {
    this.options = options;
    this.nodeMainClass = nodeMainClass;
  }

  /** Runs to the end and returns the report. */
  public StressReport run() throws IOException, InterruptedException {
    boolean clockFaults = options.scenario() == StressOptions.Scenario.NEMESIS
        && (options.faults().contains(FaultKind.CLOCK_SKEW) || options.faults().contains(FaultKind.CLOCK_JUMP));
    cluster = StressCluster.start(NODES, options.workDir(), nodeMainClass, clockFaults);
    Optional<StressCluster.Leader> leader = cluster.awaitServingLeader(60_000);
    if (leader.isEmpty()) {
      throw new IOException("no leader within 60 s; see the node logs in " + options.workDir());
    }
    LOG.info("cluster up: {} serves term {}; running {} for {} s", leader.get().id(), leader.get().term(),
        options.scenario(), options.duration().toSeconds());
    long end = System.nanoTime() + options.duration().toNanos();
    History history = new History();
    List<FaultEvent> events;
    List<String> anomalies;
    try (Workload clients = new Workload(cluster.endpoints(), options.clients(), end, history,
        options.injectViolation(), options.seed()).start()) {
      if (options.scenario() == StressOptions.Scenario.ROLLING_RESTART) {
        RollingRestart r = new RollingRestart(cluster, end);
        Thread t = new Thread(r, "stress-rolling-restart");
        t.start();
        t.join(options.duration().toMillis() + TimeUnit.SECONDS.toMillis(60));
        events = r.events();
        anomalies = r.anomalies();
      } else {
        Nemesis n = new Nemesis(cluster, options.seed(), options.faultList(), end);
        Thread t = new Thread(n, "stress-nemesis");
        t.start();
        t.join(options.duration().toMillis() + TimeUnit.SECONDS.toMillis(60));
        events = n.events();
        anomalies = n.anomalies();
      }
      clients.awaitDone();
    }
    History.Calls calls = history.snapshot();
    long checkStart = System.nanoTime();
    HistoryChecker.Result result = HistoryChecker.check(calls);
    LOG.info("checked {} calls in {} ms", calls.size(), (System.nanoTime() - checkStart) / 1_000_000);
    return StressReport.of(options, calls, result, events, anomalies);
  }

  /** Kills every node process. */
  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
  }
}
