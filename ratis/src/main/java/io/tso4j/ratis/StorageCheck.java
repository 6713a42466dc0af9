package io.tso4j.ratis;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a group's Raft storage before the server starts, for the damage Ratis itself would not report or would
 * report as a stack trace: a log that was compacted into a snapshot whose file is gone. Starting would then begin
 * from an older snapshot or an empty register with entries missing after it: lower timestamps. The message names the
 * missing snapshot file when its checksum file is still there, and says what to do. A snapshot file that is gone
 * while the log still covers everything after the newest remaining one is harmless (the log replays; a crash between
 * writing a snapshot's checksum and renaming the snapshot into place leaves exactly that), so it is not refused.
 * Stateless.
 */
final class StorageCheck {
  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  private static final Pattern SNAPSHOT_MD5 = Pattern.compile("(snapshot\\.\\d+_\\d+)\\.md5");
  private static final String REPLACE = "restore the file from a backup of this node, or replace the node"
      + " (move the data dir away, remove the member, start it with an empty data dir and add it again)";

  private StorageCheck() {
  }

  /**
   * Checks the storage of group {@code groupId} under {@code dataDir} (nothing to check if it does not exist).
   *
   * @throws ConsensusException PERMANENT naming the file and the remedy
   */
  static void check(String nodeId, Path dataDir, String groupId) throws ConsensusException {
    Path group = dataDir.resolve(groupId);
    if (!Files.isDirectory(group)) {
      return;
    }
    Path current = group.resolve("current");
    Path sm = group.resolve("sm");
    try {
      long firstLogIndex = firstLogIndex(current);
      long newestSnapshot = -1;
      Path missing = null;
      if (Files.isDirectory(sm)) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(sm)) {
          for (Path p : s) {
            String name = p.getFileName().toString();
            Matcher snap = SNAPSHOT.matcher(name);
            if (snap.matches()) {
              newestSnapshot = Math.max(newestSnapshot, Long.parseLong(snap.group(2)));
            }
            Matcher md5 = SNAPSHOT_MD5.matcher(name);
            if (md5.matches() && !Files.exists(sm.resolve(md5.group(1)))) {
              missing = sm.resolve(md5.group(1));
            }
          }
        }
      }
      if (firstLogIndex > 0 && newestSnapshot < firstLogIndex - 1) {
        throw new ConsensusException(Kind.PERMANENT, "[" + nodeId + "] the Raft log in " + current + " starts at"
            + " index " + firstLogIndex + " (earlier entries were compacted into a snapshot) but no snapshot up to"
            + " index " + (firstLogIndex - 1) + " is in " + sm
            + (missing == null ? "" : ": snapshot file " + missing + " is missing (its checksum file is there)")
            + "; " + REPLACE);
      }
    } catch (IOException e) {
      throw RatisErrors.startup("[" + nodeId + "] cannot read the Raft storage in " + group, e);
    }
  }

  private static long firstLogIndex(Path current) throws IOException {
    if (!Files.isDirectory(current)) {
      return -1;
    }
    long first = Long.MAX_VALUE;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(current)) {
      for (Path p : s) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          first = Math.min(first, Long.parseLong(m.group(1)));
        }
      }
    }
    return first == Long.MAX_VALUE ? -1 : first;
  }
}
