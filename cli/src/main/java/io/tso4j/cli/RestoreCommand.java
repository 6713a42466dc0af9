package io.tso4j.cli;

import io.tso4j.ratis.InitialFloor;
import io.tso4j.server.admin.RegisterBackup;
import io.tso4j.timestamp.Timestamp;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tso4j restore}: prepares an empty data directory to form a new cluster from a backup. It writes the
 * initial floor {@code max(backup mark, now + clock margin, physical part of --at-least)} into the directory; the
 * first leader of the new group raises the register to it before its first fence (docs/correctness.md B1, B2). Run it
 * for the data directory of every node of the new cluster, then start them with {@code serve --peers ...}.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = "Prepare an empty data directory to form a cluster from a backup written by admin snapshot. Run it"
        + " for every node of the new cluster, then start them with serve. Every timestamp the new cluster serves is"
        + " above every timestamp served before the backup, and above those served after it as long as the old"
        + " cluster ran no further ahead of this machine's clock than --clock-margin.")
final class RestoreCommand implements Callable<Integer> {
  /** Default of {@code --clock-margin}. */
  static final String DEFAULT_CLOCK_MARGIN = "10s";

  @Spec
  CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "FILE", description = "The backup (admin snapshot --out).")
  Path from;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "The data directory of one node of the new cluster; must hold no Raft log.")
  Path dataDir;

  @Option(names = "--clock-margin", defaultValue = DEFAULT_CLOCK_MARGIN, converter = DurationConverter.class,
      description = "Added to this machine's clock: must exceed how far the old cluster's served times could run"
          + " ahead of it (its fence window plus any clock difference). Default: ${DEFAULT-VALUE}.")
  Duration clockMargin;

  @Option(names = "--at-least", paramLabel = "TS", defaultValue = "0",
      description = "Also start above this timestamp (e.g. the largest one clients recorded).")
  long atLeast;

  @Override
  public Integer call() {
    if (atLeast < 0 || clockMargin.isNegative()) {
      throw new CliException(ExitCodes.USAGE, "--at-least and --clock-margin must not be negative");
    }
    RegisterBackup backup;
    try {
      backup = RegisterBackup.decode(Files.readAllBytes(from));
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.FAILED, "restore: no backup file " + from);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "restore: " + from + ": " + e.getMessage(), e);
    }
    try {
      if (InitialFloor.holdsRaftLog(dataDir)) {
        throw new CliException(ExitCodes.USAGE, "restore: data dir " + dataDir + " already holds a Raft log;"
            + " restore into an empty directory (move this one away first)");
      }
      long floor = floor(backup, System.currentTimeMillis(), clockMargin, atLeast);
      InitialFloor.write(dataDir, floor);
      PrintWriter out = spec.commandLine().getOut();
      out.println("restored " + dataDir + ": the new cluster starts above " + floor + " ms ("
          + Instant.ofEpochMilli(floor) + "); backup mark " + backup.highWaterMillis() + " ms taken at "
          + Instant.ofEpochMilli(backup.takenAtMillis()));
      out.flush();
    } catch (IOException e) {
      throw new CliException(ExitCodes.STARTUP, "restore: cannot write to data dir " + dataDir + ": "
          + e.getMessage(), e);
    }
    return ExitCodes.OK;
  }

  /** The floor a restore writes: above the backup's mark, the margin-shifted clock and the physical part of TS. */
  static long floor(RegisterBackup backup, long nowMillis, Duration clockMargin, long atLeast) {
    return Math.max(Math.max(backup.highWaterMillis(), nowMillis + clockMargin.toMillis()),
        Timestamp.physicalOf(atLeast));
  }
}
