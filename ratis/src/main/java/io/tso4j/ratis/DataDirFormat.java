package io.tso4j.ratis;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The format marker of a node's data directory: a file {@value #FILE_NAME} with one line {@code tso4j-data N}. A data
 * directory whose marker names a format newer than {@value #CURRENT} was written by a newer, incompatible tso4j:
 * the node refuses to start (it could misread the log and serve lower timestamps). A directory without a marker is
 * either new or from a version before markers (format 1); it gets the current marker. Stateless.
 */
final class DataDirFormat {
  /** The file name inside the data directory. */
  static final String FILE_NAME = "tso4j-format";
  /** The format this code writes and reads. */
  static final int CURRENT = 1;
  private static final String PREFIX = "tso4j-data ";

  private DataDirFormat() {
  }

  /**
   * Checks the marker of {@code dir} (writing it if absent).
   *
   * @throws ConsensusException PERMANENT naming the file if the format is newer or the marker unreadable
   */
  static void check(String nodeId, Path dir) throws ConsensusException {
    Path file = dir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, PREFIX + CURRENT + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return;
      }
      String line = Files.readString(file, StandardCharsets.US_ASCII).strip();
      if (!line.startsWith(PREFIX)) {
        throw new NumberFormatException("no '" + PREFIX.strip() + "' header");
      }
      int format = Integer.parseInt(line.substring(PREFIX.length()).strip());
      if (format > CURRENT) {
        throw new ConsensusException(Kind.PERMANENT, "[" + nodeId + "] data dir " + dir.toAbsolutePath()
            + " has format " + format + " (" + file.toAbsolutePath() + "), newer than this tso4j reads ("
            + CURRENT + "); run the newer tso4j version that wrote it");
      }
    } catch (IOException | NumberFormatException e) {
      throw new ConsensusException(Kind.PERMANENT, "[" + nodeId + "] data dir format marker " + file.toAbsolutePath()
          + " is unreadable (" + e.getMessage() + "); restore it from a backup of the node or replace the node", e);
    }
  }
}
