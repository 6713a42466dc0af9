package io.tso4j.testkit.stress;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of node processes on 127.0.0.1 with free ports and data under one directory, each the stock main class's
 * {@code serve} wrapped by the testkit's fault hooks ({@link ServerProcess}). The fault state of every node (isolated
 * set, disk delays) is written to each node's fault-control file; clock offsets go to its libfaketime file.
 *
 * <p>{@link #close()} kills every process (kill -9, after SIGCONT of paused ones); a JVM shutdown hook does the same
 * if the stress process itself is stopped. Not thread-safe: one driver thread.
 */
public final class StressCluster implements AutoCloseable {
  private final List<ServerProcess> nodes = new ArrayList<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
  private final List<String> endpoints = new ArrayList<>();
  private final Set<String> isolated = new LinkedHashSet<>();
  private final Map<String, Long> diskDelays = new LinkedHashMap<>();
  private final Thread killer = new Thread(this::killAllQuietly, "tso4j-stress-killer");

  /**
   * Starts {@code size} nodes n1..nN with data and logs under {@code dir}; each runs {@code mainClass serve ...} (the
   * stock command line's main class, e.g. {@code io.tso4j.cli.Main}) under the fault hooks, and under libfaketime if
   * {@code clockFaults} (and it is installed).
   */
  public static StressCluster start(int size, Path dir, String mainClass, boolean clockFaults) throws IOException {
    StressCluster c = new StressCluster(size, dir, mainClass, clockFaults);
    try {
      for (ServerProcess p : c.nodes) {
        p.start();
      }
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private StressCluster(int size, Path dir, String mainClass, boolean clockFaults) throws IOException {
    Files.createDirectories(dir);
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      int raft = freePort();
      int client = freePort();
      peers.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:").append(raft).append('/')
          .append(client);
      endpoints.add("127.0.0.1:" + client);
    }
    for (int i = 1; i <= size; i++) {
      String id = "n" + i;
      Path faults = dir.resolve(id + ".faults");
      Files.writeString(faults, "");
      nodes.add(new ServerProcess(id, mainClass, List.of("--id", id, "--peers", peers.toString(), "--data-dir",
          dir.resolve(id).toString()), dir.resolve(id + ".log"), faults,
          new FakeClock(dir.resolve(id + ".faketime"), clockFaults)));
      channels.put(id, ManagedChannelBuilder.forTarget(endpoints.get(i - 1)).usePlaintext().build());
    }
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** The client endpoints, in node order. */
  public List<String> endpoints() {
    return List.copyOf(endpoints);
  }

  /** The nodes. */
  public List<ServerProcess> nodes() {
    return List.copyOf(nodes);
  }

  /** The node with id {@code id}. */
  public ServerProcess node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  /**
   * The node that says it serves (GetMembers, 300 ms deadline per node), with the term it reports; empty if none
   * does.
   */
  public Optional<Leader> servingLeader() {
    for (ServerProcess n : nodes) {
      if (!n.isAlive() || n.isPaused()) {
        continue;
      }
      try {
        GetMembersResponse r = TimestampOracleGrpc.newBlockingStub(channels.get(n.id()))
            .withDeadlineAfter(300, TimeUnit.MILLISECONDS).getMembers(GetMembersRequest.getDefaultInstance());
        if (r.getServing()) {
          return Optional.of(new Leader(n.id(), r.getLeader().getTerm()));
        }
      } catch (RuntimeException e) {
        // down or busy: try the next node
      }
    }
    return Optional.empty();
  }

  /**
   * Waits up to {@code millis} until node {@code id} answers GetMembers and names a leader other than itself or
   * serves (it is up and has heard from the current leader); returns whether it did.
   */
  public boolean awaitFollowing(String id, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() - deadline < 0) {
      try {
        GetMembersResponse r = TimestampOracleGrpc.newBlockingStub(channels.get(id))
            .withDeadlineAfter(300, TimeUnit.MILLISECONDS).getMembers(GetMembersRequest.getDefaultInstance());
        if (r.getServing() || (!r.getLeader().getId().isEmpty() && !r.getLeader().getId().equals(id))) {
          return true;
        }
      } catch (RuntimeException e) {
        // not up yet
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** Waits up to {@code millis} for a serving leader. */
  public Optional<Leader> awaitServingLeader(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() - deadline < 0) {
      Optional<Leader> l = servingLeader();
      if (l.isPresent()) {
        return l;
      }
      Thread.sleep(50);
    }
    return Optional.empty();
  }

  /** A node that serves and its term. */
  public record Leader(String id, long term) {
  }

  /** Cuts {@code ids} off (each from every other node), on every node; empty heals. */
  public void setIsolated(Set<String> ids) throws IOException {
    isolated.clear();
    isolated.addAll(ids);
    writeAllFaults();
  }

  /** Whether clock faults have an effect (libfaketime is installed). */
  public boolean clockFaultsAvailable() {
    return nodes.get(0).clock().available();
  }

  /** Shifts the wall clock of {@code id} (0 = none), through libfaketime; no effect if it is not installed. */
  public void setClockOffset(String id, long millis) throws IOException {
    node(id).clock().setOffsetMillis(millis);
  }

  /** Slows every log write of {@code id} by {@code millis} (0 = none). */
  public void setDiskDelay(String id, long millis) throws IOException {
    diskDelays.put(id, millis);
    node(id).writeFaults(faultsOf(id));
  }

  /** Removes every injected fault (processes stay as they are). */
  public void healAll() throws IOException {
    isolated.clear();
    diskDelays.clear();
    writeAllFaults();
    for (ServerProcess n : nodes) {
      n.clock().setOffsetMillis(0);
    }
  }

  private void writeAllFaults() throws IOException {
    for (ServerProcess n : nodes) {
      n.writeFaults(faultsOf(n.id()));
    }
  }

  private String faultsOf(String id) {
    return "isolate=" + String.join(",", isolated) + "\ndisk-delay-ms=" + diskDelays.getOrDefault(id, 0L) + "\n";
  }

  /** Kills every node and releases the channels. */
  @Override
  public void close() {
    killAllQuietly();
    channels.values().forEach(ManagedChannel::shutdownNow);
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }

  private void killAllQuietly() {
    for (ServerProcess n : nodes) {
      try {
        if (n.isPaused()) {
          n.resume();
        }
        n.kill();
      } catch (IOException | InterruptedException e) {
        // best effort
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
