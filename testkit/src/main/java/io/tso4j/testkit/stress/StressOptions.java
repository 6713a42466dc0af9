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
 */
public record StressOptions(Scenario scenario, Duration duration, long seed, int clients, Set<FaultKind> faults,
    boolean injectViolation, Path workDir) {
  /** What the run does to the cluster. */
  public enum Scenario {
    /** Faults on a seeded schedule. */
    NEMESIS,
    /** Graceful restarts of one node after the other. */
    ROLLING_RESTART
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
  }

  /** The fault kinds in a fixed order (for the seeded choice). */
  List<FaultKind> faultList() {
    return List.copyOf(faults);
  }
}
