package io.tso4j.cli;

import io.tso4j.bench.ProgressLine;
import io.tso4j.testkit.stress.FaultKind;
import io.tso4j.testkit.stress.StressOptions;
import io.tso4j.testkit.stress.StressReport;
import io.tso4j.testkit.stress.StressRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tso4j stress}: runs a 3-node cluster as separate processes on loopback, clients calling continuously, faults
 * on a seeded schedule (or a rolling restart, or kill -9 + restart events timed until the node follows again), records
 * every call and checks real-time order, uniqueness and well-formed ranges. Exit 0 if there is no violation, 1 if
 * there is.
 */
@Command(name = "stress", mixinStandardHelpOptions = true,
    description = "Nemesis stress test with a linearizability checker: 3 local tso4j serve processes, clients, "
        + "faults (kill -9, SIGSTOP, partitions in Ratis and in the kernel (nftables), clocks (libfaketime), a full "
        + "disk (tmpfs), slow disk) on a seeded schedule. Exit 0 if no violation was found and every fault kind "
        + "named in --faults could run here, 1 otherwise.")
final class StressCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
      description = "How long clients call (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault schedule (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--clients", defaultValue = "4", description = "Client threads (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--scenario", defaultValue = "nemesis",
      description = "nemesis, rolling-restart, or restart (kill -9 and start again at once, leader and follower in "
          + "turn: restart time to the client port answering and to following the leader) "
          + "(default: ${DEFAULT-VALUE}).")
  String scenario;

  @Option(names = "--events", defaultValue = "20",
      description = "restart scenario: restarts per variant (with and without class-data sharing) "
          + "(default: ${DEFAULT-VALUE}); the run also stops when --duration ends (default there: 900s).")
  int events;

  @Option(names = "--cds", description = "Class-data sharing of the node JVMs: off, on (the distribution's archive "
      + "when run from it, else one written once for this run), both (restart scenario: every event with and without, "
      + "side by side) (default: both for restart, off otherwise).")
  String cds;

  @Option(names = "--node-jvm", description = "JVM flags of the nodes: harness (-Xmx192m -XX:+UseSerialGC "
      + "-XX:TieredStopAtLevel=1) or release (the launcher's: -Xms128m -Xmx512m -XX:+UseG1GC "
      + "-XX:MaxGCPauseMillis=10) (default: release for restart, harness otherwise).")
  String nodeJvm;

  @Option(names = "--node-java-opts", paramLabel = "FLAGS",
      description = "More JVM flags for the nodes, after --node-jvm's (space-separated; for experiments).")
  String nodeJavaOpts;

  @Option(names = "--faults", defaultValue = "all", split = ",",
      description = "Fault kinds for the nemesis, comma-separated, or 'all': leader_kill, follower_kill, leader_pause, "
          + "follower_pause, partition_leader, partition_follower, partition_leader_restart_follower, clock_skew, "
          + "clock_jump, slow_disk, net_partition, net_oneway, net_bridge, net_flap (nftables, root), "
          + "clock_faketime (libfaketime), disk_full (tmpfs, root) (default: ${DEFAULT-VALUE}). A named kind that "
          + "cannot run here is reported as SKIPPED and fails the run; 'all' skips such kinds with the same line.")
  String[] faults;

  @Option(names = "--json", description = "Print the report as one JSON object instead of text.")
  boolean json;

  @Option(names = "--plot", paramLabel = "FILE.png",
      description = "Also draw the run: every call's latency over time, failures, fault intervals, term changes.")
  Path plot;

  @Option(names = "--inject-violation",
      description = "Positive control of the checker: record one call with a stale timestamp (must fail).")
  boolean injectViolation;

  @Option(names = "--work-dir", description = "Where node data and logs go (default: a temporary directory, "
      + "deleted afterwards unless --keep).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the work directory (node logs) after the run.")
  boolean keep;

  @Option(names = "--report", paramLabel = "FILE", description = "Also write the report to FILE.")
  Path report;

  @Override
  public Integer call() throws Exception {
    StressOptions.Scenario sc;
    switch (scenario.toLowerCase(Locale.ROOT)) {
      case "nemesis":
        sc = StressOptions.Scenario.NEMESIS;
        break;
      case "rolling-restart":
        sc = StressOptions.Scenario.ROLLING_RESTART;
        break;
      case "restart":
        sc = StressOptions.Scenario.RESTART;
        break;
      default:
        throw new ParameterException(spec.commandLine(), "--scenario must be nemesis, rolling-restart or restart: "
            + scenario);
    }
    boolean restart = sc == StressOptions.Scenario.RESTART;
    StressOptions.Cds cdsMode;
    StressOptions.NodeJvm jvm;
    try {
      cdsMode = cds == null ? (restart ? StressOptions.Cds.BOTH : StressOptions.Cds.OFF)
          : StressOptions.Cds.valueOf(cds.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--cds must be off, on or both: " + cds);
    }
    try {
      jvm = nodeJvm == null ? (restart ? StressOptions.NodeJvm.RELEASE : StressOptions.NodeJvm.HARNESS)
          : StressOptions.NodeJvm.valueOf(nodeJvm.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--node-jvm must be harness or release: " + nodeJvm);
    }
    if (restart && !spec.commandLine().getParseResult().hasMatchedOption("--duration")) {
      duration = Duration.ofSeconds(900);
    }
    Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
    Set<FaultKind> named = EnumSet.noneOf(FaultKind.class);
    for (String f : faults) {
      if (f.equalsIgnoreCase("all")) {
        kinds.addAll(StressOptions.allNemesisFaults());
      } else {
        FaultKind k;
        try {
          k = FaultKind.valueOf(f.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "unknown fault kind: " + f);
        }
        if (k == FaultKind.GRACEFUL_RESTART) {
          throw new ParameterException(spec.commandLine(), "graceful_restart is its own scenario: "
              + "--scenario rolling-restart");
        }
        kinds.add(k);
        named.add(k);
      }
    }
    boolean temp = workDir == null;
    Path dir = temp ? Files.createTempDirectory("tso4j-stress-") : workDir;
    StressOptions options;
    try {
      options = new StressOptions(sc, duration, seed, clients, restart ? Set.of() : kinds, injectViolation, dir,
          events, jvm, cdsMode, nodeJavaOpts == null || nodeJavaOpts.isBlank() ? java.util.List.of()
              : java.util.List.of(nodeJavaOpts.strip().split("\\s+")));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (!json) {
      out.println("tso4j stress: work dir " + dir.toAbsolutePath());
      out.flush();
    }
    StressReport r;
    try (StressRun run = new StressRun(options, Main.class.getName())) {
      ProgressLine progress = ProgressLine.forConsole(run::progress, run::callsSoFar);
      progress.start();
      try {
        r = run.run();
      } finally {
        progress.stop();
      }
      if (plot != null) {
        run.writePlot(plot);
      }
    } finally {
      if (temp && !keep) {
        deleteQuietly(dir);
      }
    }
    String text = json ? r.toJson() + "\n" : r.format();
    out.print(text);
    out.flush();
    if (report != null) {
      Files.writeString(report, text);
    }
    Set<FaultKind> namedSkipped = EnumSet.noneOf(FaultKind.class);
    named.stream().filter(r.skipped()::containsKey).forEach(namedSkipped::add);
    if (!namedSkipped.isEmpty()) {
      spec.commandLine().getErr().println("tso4j stress: fault kinds named in --faults could not run here: "
          + namedSkipped.stream().map(k -> k.cliName() + " (" + r.skipped().get(k) + ")").toList());
    }
    return r.check().ok() && namedSkipped.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
