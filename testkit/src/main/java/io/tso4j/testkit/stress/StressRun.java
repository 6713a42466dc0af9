package io.tso4j.testkit.stress;

import java.io.IOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stress run: start a 3-node cluster of {@code tso4j serve} processes, wait for a leader, run the workload and the
 * scenario (nemesis, rolling restart, or the restart-time events of {@link RestartScenario}) for the configured time,
 * stop, check the history, compute the report. Every child process is killed when the run ends, fails, or is closed.
 * Bounded in time: it stops by itself.
 */
public final class StressRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StressRun.class);
  private static final int NODES = 3;

  private final StressOptions options;
  private final String nodeMainClass;
  private StressCluster cluster;
  private volatile Workload workload;
  private volatile long startNanos;
  private History.Calls calls;
  private List<FaultEvent> events = List.of();
  private List<RestartSample> restarts = List.of();
  private List<Boolean> cdsVariants;

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
    boolean nemesis = options.scenario() == StressOptions.Scenario.NEMESIS;
    Map<FaultKind, String> unavailable = nemesis ? unavailable(options) : Map.of();
    unavailable.forEach((k, why) -> LOG.warn("fault kind {} SKIPPED: {}", k.cliName(), why));
    boolean clockFaults = nemesis && options.faults().stream()
        .anyMatch(k -> k.needsFakeClock() && !unavailable.containsKey(k));
    boolean kernelNet = nemesis && options.faults().stream()
        .anyMatch(k -> k.needsKernelNet() && !unavailable.containsKey(k));
    boolean smallDisks = nemesis && options.faults().contains(FaultKind.DISK_FULL)
        && !unavailable.containsKey(FaultKind.DISK_FULL);
    cluster = StressCluster.start(NODES, options.workDir(), nodeMainClass,
        new StressCluster.Features(clockFaults, kernelNet, smallDisks), options.nodeJvmFlags());
    Optional<StressCluster.Leader> leader = cluster.awaitServingLeader(60_000);
    if (leader.isEmpty()) {
      throw new IOException("no leader within 60 s; see the node logs in " + options.workDir());
    }
    String cdsNote = prepareCds(leader.get());
    LOG.info("cluster up: {} serves term {}; running {} for {} s", leader.get().id(), leader.get().term(),
        options.scenario(), options.duration().toSeconds());
    long end = System.nanoTime() + options.duration().toNanos();
    History history = new History();
    List<String> anomalies;
    startNanos = System.nanoTime();
    try (Workload clients = new Workload(cluster.endpoints(), options.clients(), end, history,
        options.injectViolation(), options.seed()).start()) {
      workload = clients;
      if (options.scenario() == StressOptions.Scenario.RESTART) {
        List<Boolean> variants = cdsVariants == null ? List.of(false) : cdsVariants;
        RestartScenario r = new RestartScenario(cluster, options.events(), variants, end);
        Thread t = new Thread(r, "stress-restart");
        t.start();
        t.join(options.duration().toMillis() + TimeUnit.SECONDS.toMillis(60));
        events = r.events();
        restarts = r.samples();
        anomalies = r.anomalies();
        clients.stopNow();
      } else if (options.scenario() == StressOptions.Scenario.ROLLING_RESTART) {
        RollingRestart r = new RollingRestart(cluster, end);
        Thread t = new Thread(r, "stress-rolling-restart");
        t.start();
        t.join(options.duration().toMillis() + TimeUnit.SECONDS.toMillis(60));
        events = r.events();
        anomalies = r.anomalies();
      } else {
        Nemesis n = new Nemesis(cluster, options.seed(), options.faultList(), end, unavailable);
        Thread t = new Thread(n, "stress-nemesis");
        t.start();
        t.join(options.duration().toMillis() + TimeUnit.SECONDS.toMillis(60));
        events = n.events();
        anomalies = n.anomalies();
      }
      clients.awaitDone();
    }
    calls = history.snapshot();
    long checkStart = System.nanoTime();
    HistoryChecker.Result result = HistoryChecker.check(calls);
    LOG.info("checked {} calls in {} ms", calls.size(), (System.nanoTime() - checkStart) / 1_000_000);
    return StressReport.of(options, calls, result, events, anomalies, unavailable, restarts, cdsNote);
  }

  /**
   * Sets up class-data sharing of the node JVMs as the options ask ({@link NodeCds}): with a run archive to write,
   * one follower is restarted with {@code -XX:ArchiveClassesAtExit}, left to follow the leader, stopped with SIGTERM
   * (the JVM writes the archive on exit), checked, and started again mapping it. Returns what the nodes use; on any
   * failure they run without an archive (and the note says why).
   */
  private String prepareCds(StressCluster.Leader leader) throws IOException, InterruptedException {
    cdsVariants = null;
    if (options.cds() == StressOptions.Cds.OFF) {
      return "off";
    }
    NodeCds cds = NodeCds.forThisProcess(options.workDir().resolve("cds"));
    if (cds.source() == NodeCds.Source.NONE) {
      LOG.warn("node JVMs without class-data sharing: {}", cds.describe());
      return cds.describe();
    }
    cluster.configureJvm(options.nodeJvmFlags(), cds, false);
    if (cds.needsDump()) {
      java.nio.file.Files.createDirectories(cds.archive().getParent());
      ServerProcess f = cluster.nodes().stream().filter(n -> !n.id().equals(leader.id())).findFirst().orElseThrow();
      long t0 = System.nanoTime();
      f.terminate(15_000);
      f.start(ServerProcess.CdsUse.DUMP);
      boolean followed = cluster.awaitFollowing(f.id(), 30_000);
      Thread.sleep(2_000);
      int code = f.terminate(60_000);
      if (!followed || code != 0 || !cds.available()) {
        f.start(ServerProcess.CdsUse.NONE);
        cluster.awaitFollowing(f.id(), 30_000);
        String why = "could not write the run archive (node " + f.id() + " followed: " + followed + ", exit " + code
            + ", archive present: " + cds.available() + ")";
        LOG.warn("node JVMs without class-data sharing: {}", why);
        return why;
      }
      LOG.info("wrote the class-data sharing archive {} ({} KB) from a start of {} in {} ms", cds.archive(),
          java.nio.file.Files.size(cds.archive()) / 1024, f.id(), (System.nanoTime() - t0) / 1_000_000);
      f.start(ServerProcess.CdsUse.MAP);
      cluster.awaitFollowing(f.id(), 30_000);
    }
    Optional<String> problem = cds.verify(options.nodeJvmFlags(), nodeMainClass);
    if (problem.isPresent()) {
      LOG.warn("node JVMs without class-data sharing: {}", problem.get());
      cluster.configureJvm(options.nodeJvmFlags(), NodeCds.NONE, false);
      return "none: " + problem.get();
    }
    cluster.configureJvm(options.nodeJvmFlags(), cds, true);
    cdsVariants = options.cds() == StressOptions.Cds.BOTH ? List.of(true, false) : List.of(true);
    LOG.info("node JVMs map {} (checked: {} loads from it)", cds.describe(), nodeMainClass);
    return cds.describe();
  }

  /**
   * The requested kinds that cannot run on this machine, each with the reason (not root, nft or libfaketime missing,
   * tmpfs not mountable): the report lists them as skipped, never as passed.
   */
  static Map<FaultKind, String> unavailable(StressOptions options) {
    Map<FaultKind, String> out = new EnumMap<>(FaultKind.class);
    Optional<String> net = options.faults().stream().anyMatch(FaultKind::needsKernelNet)
        ? NftPartitions.unavailableReason() : Optional.empty();
    Optional<String> clock = options.faults().stream().anyMatch(FaultKind::needsFakeClock)
        ? FakeClock.unavailableReason() : Optional.empty();
    Optional<String> disk = Optional.empty();
    if (options.faults().contains(FaultKind.DISK_FULL)) {
      try {
        java.nio.file.Files.createDirectories(options.workDir());
        disk = TmpfsDisks.unavailableReason(options.workDir());
      } catch (IOException e) {
        disk = Optional.of("cannot create " + options.workDir() + ": " + e.getMessage());
      }
    }
    for (FaultKind k : options.faults()) {
      Optional<String> why = k.needsKernelNet() ? net : k.needsFakeClock() ? clock
          : k == FaultKind.DISK_FULL ? disk : Optional.empty();
      why.ifPresent(w -> out.put(k, w));
    }
    return out;
  }

  /**
   * One line of progress while the run goes on (elapsed, calls, failures, the leader last seen and the highest
   * term answered), for a terminal display; "starting" before the clients run.
   */
  public String progress() {
    Workload w = workload;
    StressCluster c = cluster;
    if (w == null || c == null) {
      return "starting the cluster";
    }
    return String.format(java.util.Locale.ROOT, "%4.0f/%d s  calls %,d  failed %,d  leader %s  term %d",
        (System.nanoTime() - startNanos) / 1e9, options.duration().toSeconds(), w.okCalls() + w.failedCalls(),
        w.failedCalls(), c.lastLeader(), w.maxTerm());
  }

  /** Calls made so far (0 before the clients run), for a rate display. */
  public long callsSoFar() {
    Workload w = workload;
    return w == null ? 0 : w.okCalls() + w.failedCalls();
  }

  /**
   * Why each of {@code kinds} cannot run on this machine (not root, nft, libfaketime or tmpfs missing); kinds that
   * can run are absent. For tests that skip with the reason.
   */
  public static Map<FaultKind, String> unavailableHere(java.util.Set<FaultKind> kinds, java.nio.file.Path workDir) {
    return unavailable(new StressOptions(StressOptions.Scenario.NEMESIS, java.time.Duration.ofSeconds(5), 1, 1, kinds,
        false, workDir));
  }

  /** Draws the finished run as a PNG ({@link StressPlot}); call after {@link #run()}. */
  public void writePlot(java.nio.file.Path png) throws IOException {
    if (calls == null) {
      throw new IllegalStateException("the run has not finished");
    }
    StressPlot.write(png, calls, events, String.format(java.util.Locale.ROOT, "tso4j stress, seed %d, faults %s",
        options.seed(), options.faults().stream().map(FaultKind::cliName).toList()));
  }

  /** Kills every node process. */
  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
  }
}
