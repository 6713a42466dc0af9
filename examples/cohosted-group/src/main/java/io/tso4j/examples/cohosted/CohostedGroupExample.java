package io.tso4j.examples.cohosted;

import io.tso4j.timestamp.Timestamp;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the KV host application with the TSO as a second Raft group, writes a few stamped keys, and prints them.
 * Usage: {@code CohostedGroupExample [dataDir]} (default: a temporary directory).
 */
public final class CohostedGroupExample {
  private CohostedGroupExample() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("tso4j-cohosted");
    try (CohostedKvApp app = CohostedKvApp.start(dir)) {
      System.out.println("TSO gRPC endpoints: " + app.endpoints());
      for (String key : new String[] {"apple", "banana", "cherry"}) {
        long ts = app.put(key, key.toUpperCase(), 15_000);
        System.out.println(key + " committed at " + Timestamp.fromLong(ts));
      }
    }
  }
}
