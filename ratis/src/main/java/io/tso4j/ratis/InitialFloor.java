package io.tso4j.ratis;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;

/**
 * The floor a node raises the register to before its first fence in any term it leads: a one-line file {@value
 * #FILE_NAME} in the data directory holding a physical time (Unix milliseconds). Written by {@code tso4j serve
 * --initial-floor} (migrating from another oracle) and {@code tso4j restore} (a cluster restored from a backup), only
 * into a data directory that holds no Raft log yet.
 *
 * <p>The driver reads it at start; when a load through the log finds a mark below it, it persists the floor in the
 * same term before the fence goes on, so the first timestamp of the group is above it (docs/correctness.md B1). The
 * file stays: the mark only grows, so once raised the floor is a no-op. Stateless.
 */
public final class InitialFloor {
  /** The file name inside the data directory. */
  public static final String FILE_NAME = "tso4j-initial-floor";

  private InitialFloor() {
  }

  /**
   * Whether {@code dataDir} already holds a Raft group's storage (a subdirectory named by a group UUID): the group
   * was formed (or joined) with it, so the register there is not empty, or may not be.
   */
  public static boolean holdsRaftLog(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) {
      return false;
    }
    try (var entries = Files.list(dataDir)) {
      return entries.anyMatch(p -> Files.isDirectory(p) && isUuid(p.getFileName().toString()));
    }
  }

  private static boolean isUuid(String name) {
    try {
      return java.util.UUID.fromString(name).toString().equalsIgnoreCase(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Writes {@code physicalMillis} as the floor of {@code dataDir} (temp file and atomic rename). */
  public static void write(Path dataDir, long physicalMillis) throws IOException {
    if (physicalMillis < 0) {
      throw new IllegalArgumentException("floor must be >= 0: " + physicalMillis);
    }
    Files.createDirectories(dataDir);
    Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
    Files.writeString(tmp, physicalMillis + "\n", StandardCharsets.US_ASCII);
    Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The floor of {@code dataDir}, if it has one.
   *
   * @throws ConsensusException PERMANENT naming the file if it cannot be read or is not a number
   */
  public static OptionalLong read(Path dataDir) throws ConsensusException {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return OptionalLong.empty();
    }
    try {
      long v = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
      if (v < 0) {
        throw new NumberFormatException("negative");
      }
      return OptionalLong.of(v);
    } catch (IOException | NumberFormatException e) {
      throw new ConsensusException(Kind.PERMANENT, "initial floor file " + file.toAbsolutePath()
          + " is unreadable (" + e.getMessage() + "); write it again with tso4j restore or remove it", e);
    }
  }
}
