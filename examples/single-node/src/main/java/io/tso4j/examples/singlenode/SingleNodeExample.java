package io.tso4j.examples.singlenode;

import io.tso4j.timestamp.Timestamp;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a single-node TSO on a data directory, prints a few timestamps, closes it, opens it again and shows that
 * the new timestamps are above the old ones. Usage: {@code SingleNodeExample [dataDir]}.
 */
public final class SingleNodeExample {
  private SingleNodeExample() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("tso4j-dev");
    long last;
    try (DevTso tso = DevTso.open(dir, 10_000)) {
      for (int i = 0; i < 3; i++) {
        System.out.println("timestamp " + Timestamp.fromLong(tso.next()));
      }
      last = tso.next();
    }
    try (DevTso tso = DevTso.open(dir, 10_000)) {
      long next = tso.next();
      System.out.println("after restart " + Timestamp.fromLong(next) + " > " + Timestamp.fromLong(last) + ": "
          + (next > last));
    }
  }
}
