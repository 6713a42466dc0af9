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
 * A cluster of node processes on loopback with free ports and data under one directory, each the stock main class's
 * {@code serve} wrapped by the testkit's fault hooks ({@link ServerProcess}). The fault state of every node (isolated
 * set, disk delays) is written to each node's fault-control file; clock offsets go to its libfaketime file.
 *
 * <p>{@link Features} prepare the kernel faults before any node starts: with {@code kernelNet} every node binds its
 * own address (127.0.0.11, .12, ...) and runs with its own group, and this run's nftables table exists
 * ({@link NftPartitions}); with {@code smallDisks} every node's data directory is on a small tmpfs of the run's
 * ({@link TmpfsDisks}); with {@code fakeClock} every node runs under libfaketime (its wall clock; {@link FakeClock}).
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
  private NftPartitions nft;
  private TmpfsDisks disks;
  private volatile String lastLeader = "?";
  /** Entries between snapshots on small disks (keep-alives commit ~15 entries/s: a snapshot every ~3 s). */
  static final int SMALL_DISK_SNAPSHOT_THRESHOLD = 40;

  /**
   * What the cluster is prepared for.
   *
   * @param fakeClock every node under libfaketime (if installed)
   * @param kernelNet own addresses and groups per node and an nftables table (the caller checked
   *     {@link NftPartitions#unavailableReason()})
   * @param smallDisks every data directory on a tmpfs of its own (the caller checked
   *     {@link TmpfsDisks#unavailableReason})
   */
  public record Features(boolean fakeClock, boolean kernelNet, boolean smallDisks) {
    /** None: nodes on 127.0.0.1, data on the work directory's disk, real clocks. */
    public static final Features NONE = new Features(false, false, false);
  }

  /**
   * Starts {@code size} nodes n1..nN with data and logs under {@code dir}; each runs {@code mainClass serve ...} (the
   * stock command line's main class, e.g. {@code io.tso4j.cli.Main}) under the fault hooks, and under libfaketime if
   * {@code clockFaults} (and it is installed).
   */
  public static StressCluster start(int size, Path dir, String mainClass, boolean clockFaults) throws IOException {
    return start(size, dir, mainClass, new Features(clockFaults, false, false));
  }

  /** Starts {@code size} nodes as above, prepared for {@code features}. */
  public static StressCluster start(int size, Path dir, String mainClass, Features features) throws IOException {
    return start(size, dir, mainClass, features, StressOptions.NodeJvm.HARNESS.flags());
  }

  /** Starts {@code size} nodes as above, prepared for {@code features}, their JVMs with {@code jvmFlags}. */
  public static StressCluster start(int size, Path dir, String mainClass, Features features, List<String> jvmFlags)
      throws IOException {
    StressCluster c = new StressCluster();
    try {
      c.prepare(size, dir, mainClass, features);
      for (ServerProcess p : c.nodes) {
        p.configureJvm(jvmFlags, NodeCds.NONE, false);
      }
      for (ServerProcess p : c.nodes) {
        p.start();
      }
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private StressCluster() {
    Runtime.getRuntime().addShutdownHook(killer);
  }

  private void prepare(int size, Path dir, String mainClass, Features features) throws IOException {
    Files.createDirectories(dir);
    StringBuilder peers = new StringBuilder();
    List<String> ids = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      String host = features.kernelNet() ? "127.0.0." + (10 + i) : "127.0.0.1";
      int raft = freePort(host);
      int client = freePort(host);
      ids.add("n" + i);
      hosts.add(host);
      peers.append(i > 1 ? "," : "").append("n").append(i).append('=').append(host).append(':').append(raft)
          .append('/').append(client);
      endpoints.add(host + ":" + client);
    }
    List<NftPartitions.Member> members = new ArrayList<>();
    long pid = ProcessHandle.current().pid();
    for (int i = 1; i <= size; i++) {
      members.add(new NftPartitions.Member(ids.get(i - 1), hosts.get(i - 1), NftPartitions.gidOf(pid, i)));
    }
    if (features.kernelNet()) {
      nft = NftPartitions.open(members);
    }
    if (features.smallDisks()) {
      disks = TmpfsDisks.mount(dir, ids);
    }
    for (int i = 1; i <= size; i++) {
      String id = ids.get(i - 1);
      Path faults = dir.resolve(id + ".faults");
      Files.writeString(faults, "");
      Path data = disks != null ? disks.dataDir(id) : dir.resolve(id);
      List<String> launcher = features.kernelNet()
          ? List.of("setpriv", "--regid", Long.toString(members.get(i - 1).gid()), "--clear-groups")
          : List.of();
      List<String> serve = new ArrayList<>(List.of("--id", id, "--peers", peers.toString(), "--data-dir",
          data.toString()));
      if (disks != null) {
        // Snapshots every few seconds: a full disk then fails writes that need new space while the node serves.
        serve.addAll(List.of("--snapshot-threshold", Integer.toString(SMALL_DISK_SNAPSHOT_THRESHOLD)));
      }
      nodes.add(new ServerProcess(id, mainClass, serve, dir.resolve(id + ".log"), faults,
          new FakeClock(dir.resolve(id + ".faketime"), features.fakeClock()),
          launcher));
      channels.put(id, ManagedChannelBuilder.forTarget(endpoints.get(i - 1)).usePlaintext().build());
    }
  }

  /**
   * From now on, every node maps {@code cds}'s archive on {@link ServerProcess#start()} if {@code byDefault} (and the
   * archive exists); {@link ServerProcess#start(ServerProcess.CdsUse)} chooses per start.
   */
  void configureJvm(List<String> jvmFlags, NodeCds cds, boolean byDefault) {
    for (ServerProcess p : nodes) {
      p.configureJvm(jvmFlags, cds, byDefault);
    }
  }

  /**
   * What node {@code id} says about the leader now (one GetMembers with a {@code deadlineMillis} deadline, after
   * resetting the channel's reconnect backoff so that a node that has just come up is reached at once), or empty if it
   * does not answer.
   */
  Optional<GetMembersResponse> members(String id, long deadlineMillis) {
    ManagedChannel ch = channels.get(id);
    ch.resetConnectBackoff();
    try {
      return Optional.of(TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(deadlineMillis,
          TimeUnit.MILLISECONDS).getMembers(GetMembersRequest.getDefaultInstance()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The node last seen serving ("?" before any), for the progress display. */
  public String lastLeader() {
    return lastLeader;
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
          lastLeader = n.id();
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
      // Without gRPC's reconnect backoff (up to seconds after the node was down), which would delay the answer.
      Optional<GetMembersResponse> m = members(id, 300);
      if (m.isPresent()) {
        GetMembersResponse r = m.get();
        if (r.getServing() || (!r.getLeader().getId().isEmpty() && !r.getLeader().getId().equals(id))) {
          return true;
        }
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

  /** The kernel partitions of this run, if it was prepared for them. */
  Optional<NftPartitions> kernelNet() {
    return Optional.ofNullable(nft);
  }

  /** The small disks of this run, if it was prepared for them. */
  Optional<TmpfsDisks> smallDisks() {
    return Optional.ofNullable(disks);
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
    if (nft != null) {
      nft.cut(Set.of());
    }
    if (disks != null) {
      for (ServerProcess n : nodes) {
        disks.free(n.id());
      }
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
    if (nft != null) {
      nft.close();
    }
    if (disks != null) {
      disks.close();
    }
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

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }
}
