package io.tso4j.examples.piggybackkv;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.RefusedException;
import io.tso4j.ratis.embed.EmbeddedTso;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The host application as three (or N) nodes in one process on free loopback ports, for the examples and their
 * tests. A real deployment runs one {@link KvNode} per machine. Not thread-safe.
 */
public final class KvCluster implements AutoCloseable {
  private final Path baseDir;
  private final EmbeddedTso.Mode mode;
  private final long snapshotEvery;
  private final RaftGroup kvGroup;
  private final RaftGroup tsoGroup;
  private final KvNode[] nodes;

  private KvCluster(Path baseDir, int size, EmbeddedTso.Mode mode, long snapshotEvery) throws IOException {
    this.baseDir = baseDir;
    this.mode = mode;
    this.snapshotEvery = snapshotEvery;
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      peers.add(RaftPeer.newBuilder().setId("kv" + i).setAddress("127.0.0.1:" + freePort()).build());
    }
    kvGroup = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    tsoGroup = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    nodes = new KvNode[size];
  }

  /** Starts {@code size} nodes with the TSO in {@code mode}, data under {@code baseDir}. */
  public static KvCluster start(Path baseDir, int size, EmbeddedTso.Mode mode, long snapshotEvery)
      throws IOException, ConsensusException {
    KvCluster c = new KvCluster(baseDir, size, mode, snapshotEvery);
    try {
      for (int i = 0; i < size; i++) {
        c.restart(i);
      }
    } catch (IOException | ConsensusException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Node {@code i}, or null while it is stopped. */
  public KvNode node(int i) {
    return nodes[i];
  }

  /** The number of nodes. */
  public int size() {
    return nodes.length;
  }

  /** The running node that leads the KV group, if any. */
  public Optional<KvNode> kvLeader() {
    for (KvNode n : nodes) {
      if (n != null && n.isKvLeader()) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }

  /** Waits up to {@code maxWaitMillis} for a KV leader whose TSO serves (piggyback: they are the same node). */
  public KvNode awaitLeader(long maxWaitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
    while (System.nanoTime() - deadline < 0) {
      Optional<KvNode> l = kvLeader();
      if (l.isPresent() && (mode != EmbeddedTso.Mode.PIGGYBACK || l.get().tso().oracle().state().serving())) {
        return l.get();
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("no KV leader within " + maxWaitMillis + " ms");
  }

  /**
   * Piggyback mode: writes key=value through the KV leader, stamped with a timestamp from that same node's oracle.
   * Retries (up to {@code maxWaitMillis}) while leadership moves. Returns the commit timestamp.
   */
  public long put(String key, String value, long maxWaitMillis) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
    while (true) {
      KvNode leader = awaitLeader(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      try {
        long ts = leader.localTimestamp(500);
        leader.put(key, value, ts);
        return ts;
      } catch (RefusedException | IOException e) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("write of " + key + " failed: " + e.getMessage(), e);
        }
      }
    }
  }

  /** Stops node {@code i} (its files stay). */
  public void kill(int i) throws IOException {
    KvNode n = nodes[i];
    nodes[i] = null;
    if (n != null) {
      n.close();
    }
  }

  /** Starts node {@code i} again on its port and data directory. */
  public void restart(int i) throws IOException, ConsensusException {
    if (nodes[i] != null) {
      throw new IllegalStateException("node " + i + " runs");
    }
    String id = kvGroup.getPeers().stream().map(p -> p.getId().toString()).sorted().toList().get(i);
    nodes[i] = KvNode.start(id, kvGroup, tsoGroup, baseDir.resolve(id), mode, snapshotEvery);
  }

  /** Stops every node. */
  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      try {
        kill(i);
      } catch (IOException | RuntimeException e) {
        // Best effort on shutdown.
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
