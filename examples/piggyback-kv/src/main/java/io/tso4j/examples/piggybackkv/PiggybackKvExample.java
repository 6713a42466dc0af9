package io.tso4j.examples.piggybackkv;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.ratis.embed.EmbeddedTso;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a 3-node replicated KV store whose Raft log also carries the TSO, writes a few keys stamped with commit
 * timestamps, and prints them. Usage: {@code PiggybackKvExample [dataDir]} (default: a temporary directory).
 */
public final class PiggybackKvExample {
  private PiggybackKvExample() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("tso4j-piggyback-kv");
    try (KvCluster cluster = KvCluster.start(dir, 3, EmbeddedTso.Mode.PIGGYBACK, 1_000)) {
      KvNode leader = cluster.awaitLeader(15_000);
      System.out.println("KV and TSO leader: " + leader.id());
      for (String key : new String[] {"apple", "banana", "cherry"}) {
        long ts = cluster.put(key, key.toUpperCase(), 10_000);
        System.out.println(key + " committed at " + Timestamp.fromLong(ts));
      }
    }
  }
}
