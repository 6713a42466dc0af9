package io.tso4j.testkit.stress;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The settings of one stress run.
 *
 * @param scenario NEMESIS (faults on a seeded schedule) or ROLLING_RESTART (graceful restarts one after another)
 * @param duration how long clients call (the run stops by itself)
 * @param seed the seed of the fault schedule and the clients' counts
 * @param clients how many client threads (each with its own TsoClient)
 * @param faults the fault kinds the nemesis picks from
 * @param injectViolation the checker's positive control: record one call with a stale timestamp
 * @param workDir where data directories, node logs and fault-control files go
 * @param events the restart scenario's kill -9 + restart events per variant (with and without class-data sharing)
 * @param nodeJvm the JVM flags node processes run with
 * @param cds whether node processes map a class-data sharing archive (the restart scenario's "both" alternates)
 * @param extraJvmFlags flags appended to {@code nodeJvm}'s (experiments: which flag costs how much start-up)
 */
public record StressOptions(Scenario scenario, Duration duration, long seed, int clients, Set<FaultKind> faults,
    boolean injectViolation, Path workDir, int events, NodeJvm nodeJvm, Cds cds, List<String> extraJvmFlags) {
  /** The restart scenario's default number of events per variant. */
  public static final int DEFAULT_EVENTS = 20;

  /** The flags of a node JVM. */
  public enum NodeJvm {
    /** Small and cheap on a shared machine: {@code -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}. */
    HARNESS(List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")),
    /**
     * The release launcher's defaults for {@code serve}: {@code -Xms128m -Xmx512m -XX:+UseG1GC
     * -XX:MaxGCPauseMillis=10}.
     */
    RELEASE(List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=10"));

    private final List<String> flags;

    NodeJvm(List<String> flags) {
      this.flags = flags;
    }

    /** The JVM flags. */
    public List<String> flags() {
      return flags;
    }
  }

  /** Class-data sharing of the node JVMs. */
  public enum Cds {
    /** No archive (the JDK's default base archive only). */
    OFF,
    /** The distribution's archive if this process runs from one, else an archive written once for this run. */
    ON,
    /** Restart scenario: every event twice, with and without the archive, alternating; other scenarios: ON. */
    BOTH
  }

  /** The settings of a run whose nodes have {@code nodeJvm}'s flags only. */
  public StressOptions(Scenario scenario, Duration duration, long seed, int clients, Set<FaultKind> faults,
      boolean injectViolation, Path workDir, int events, NodeJvm nodeJvm, Cds cds) {
    this(scenario, duration, seed, clients, faults, injectViolation, workDir, events, nodeJvm, cds, List.of());
  }

  /** The node JVMs' flags: {@code nodeJvm}'s, then the extra ones. */
  public List<String> nodeJvmFlags() {
    List<String> all = new java.util.ArrayList<>(nodeJvm.flags());
    all.addAll(extraJvmFlags);
    return List.copyOf(all);
  }

  /** The settings of a nemesis or rolling-restart run, nodes with the harness's JVM flags and no archive. */
  public StressOptions(Scenario scenario, Duration duration, long seed, int clients, Set<FaultKind> faults,
      boolean injectViolation, Path workDir) {
    this(scenario, duration, seed, clients, faults, injectViolation, workDir, DEFAULT_EVENTS,
        scenario == Scenario.RESTART ? NodeJvm.RELEASE : NodeJvm.HARNESS,
        scenario == Scenario.RESTART ? Cds.BOTH : Cds.OFF);
  }

  /** What the run does to the cluster. */
  public enum Scenario {
    /** Faults on a seeded schedule. */
    NEMESIS,
    /** Graceful restarts of one node after the other. */
    ROLLING_RESTART,
    /**
     * Restart time: kill -9 of a node (leader and follower in turn), started again at once; the time from just
     * before the exec to its client port answering and to its following the leader.
     */
    RESTART
  }

  /** Every nemesis fault kind (all but the graceful restart, which is its own scenario). */
  public static Set<FaultKind> allNemesisFaults() {
    Set<FaultKind> all = EnumSet.allOf(FaultKind.class);
    all.remove(FaultKind.GRACEFUL_RESTART);
    return all;
  }

  /** Validates the settings. */
  public StressOptions {
    if (duration == null || duration.toMillis() < 5_000) {
      throw new IllegalArgumentException("duration must be at least 5s: " + duration);
    }
    if (clients < 1 || clients > 64) {
      throw new IllegalArgumentException("clients must be in 1..64: " + clients);
    }
    faults = faults == null || faults.isEmpty() ? EnumSet.noneOf(FaultKind.class) : EnumSet.copyOf(faults);
    if (workDir == null) {
      throw new IllegalArgumentException("workDir must be set");
    }
    if (events < 1 || events > 1_000) {
      throw new IllegalArgumentException("events must be in 1..1000: " + events);
    }
    if (nodeJvm == null || cds == null) {
      throw new IllegalArgumentException("nodeJvm and cds must be set");
    }
    extraJvmFlags = extraJvmFlags == null ? List.of() : List.copyOf(extraJvmFlags);
  }

  /** The fault kinds in a fixed order (for the seeded choice). */
  List<FaultKind> faultList() {
    return List.copyOf(faults);
  }
}
