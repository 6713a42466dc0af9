package io.tso4j.ratis.embed;

import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.ratis.HighWaterRegister;
import io.tso4j.ratis.HighWaterStateMachine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * N in-process host application nodes on 127.0.0.1: each a Ratis server hosting a {@link KvHostStateMachine} group,
 * plus an {@link EmbeddedTso} in one of the two modes (co-hosted: a second group; piggyback: in the KV log). Optional
 * small snapshots with log purging. Not thread-safe: drive it from the test thread.
 */
final class HostCluster implements AutoCloseable {
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  /** Entries between automatic snapshots when snapshots are on (keep-alives alone write ~20 a second). */
  static final long SNAPSHOT_THRESHOLD = 30;

  private final EmbeddedTso.Mode mode;
  private final Path baseDir;
  private final boolean snapshots;
  private final RaftGroup hostGroup;
  private final RaftGroup tsoGroup;
  private final List<String> ids = new ArrayList<>();
  private final RaftServer[] servers;
  private final KvHostStateMachine[] kv;
  private final HighWaterRegister[] registers;
  private final EmbeddedTso[] tsos;
  private final boolean[] running;
  private final List<Throwable> fatalErrors = Collections.synchronizedList(new ArrayList<>());
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  private HostCluster(EmbeddedTso.Mode mode, int size, Path baseDir, boolean snapshots) throws IOException {
    this.mode = mode;
    this.baseDir = baseDir;
    this.snapshots = snapshots;
    int cluster = CLUSTERS.incrementAndGet();
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String id = "h" + cluster + "n" + i;
      ids.add(id);
      peers.add(RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + freePort()).build());
    }
    hostGroup = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    tsoGroup = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    servers = new RaftServer[size];
    kv = new KvHostStateMachine[size];
    registers = new HighWaterRegister[size];
    tsos = new EmbeddedTso[size];
    running = new boolean[size];
  }

  /** Starts {@code size} nodes in {@code mode}; with {@code snapshots}, small automatic snapshots and log purging. */
  static HostCluster start(EmbeddedTso.Mode mode, int size, Path baseDir, boolean snapshots) throws Exception {
    HostCluster c = new HostCluster(mode, size, baseDir, snapshots);
    try {
      for (int i = 0; i < size; i++) {
        c.restart(i);
      }
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  int size() {
    return ids.size();
  }

  RaftGroupId hostGroupId() {
    return hostGroup.getGroupId();
  }

  RaftGroupId tsoGroupId() {
    return mode == EmbeddedTso.Mode.COHOSTED ? tsoGroup.getGroupId() : hostGroup.getGroupId();
  }

  EmbeddedTso tso(int i) {
    return tsos[i];
  }

  KvHostStateMachine kv(int i) {
    return kv[i];
  }

  boolean isRunning(int i) {
    return running[i];
  }

  List<Throwable> fatalErrors() {
    return List.copyOf(fatalErrors);
  }

  /** The high-water mark as applied on node {@code i} (its TSO state machine, or the register in the KV log). */
  long highWater(int i) throws IOException {
    if (mode == EmbeddedTso.Mode.PIGGYBACK) {
      return registers[i].highWater();
    }
    return ((HighWaterStateMachine) servers[i].getDivision(tsoGroup.getGroupId()).getStateMachine()).highWater();
  }

  /** The first index still in node {@code i}'s log of {@code gid} (above 0 once purged). */
  long logStartIndex(int i, RaftGroupId gid) throws IOException {
    return servers[i].getDivision(gid).getRaftLog().getStartIndex();
  }

  /** The last applied index of node {@code i} in {@code gid}. */
  long appliedIndex(int i, RaftGroupId gid) throws IOException {
    return servers[i].getDivision(gid).getInfo().getLastAppliedIndex();
  }

  /** Waits (at most 15 s) until some running node's TSO serves, and returns its index. */
  int awaitServingLeader() {
    int[] found = {-1};
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10)).until(() -> {
      for (int i = 0; i < size(); i++) {
        if (running[i] && tsos[i].oracle().state().serving()) {
          found[0] = i;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  /** Allocates one timestamp on node {@code i}, retrying refusals for up to 5 s. */
  Grant allocate(int i) {
    Grant[] g = new Grant[1];
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> {
      try {
        g[0] = tsos[i].oracle().allocate(1);
        return true;
      } catch (RefusedException e) {
        return false;
      }
    });
    return g[0];
  }

  /** Writes key=value to the KV group through its current leader, retrying for up to 10 s. */
  void put(String key, String value) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      for (int i = 0; i < size(); i++) {
        if (!running[i]) {
          continue;
        }
        DivisionInfo info = servers[i].getDivision(hostGroup.getGroupId()).getInfo();
        if (info.isLeader() && info.isLeaderReady()) {
          RaftClientRequest req = RaftClientRequest.newBuilder().setClientId(clientId)
              .setServerId(servers[i].getId()).setGroupId(hostGroup.getGroupId())
              .setCallId(callIds.incrementAndGet())
              .setMessage(Message.valueOf(ByteString.copyFrom(KvHostStateMachine.put(key, value))))
              .setType(RaftClientRequest.writeRequestType()).build();
          try {
            RaftClientReply r = servers[i].submitClientRequestAsync(req).get(3, TimeUnit.SECONDS);
            return r.isSuccess();
          } catch (Exception e) {
            return false;
          }
        }
      }
      return false;
    });
  }

  /** Stops node {@code i}: its TSO, then its Ratis server (files stay). */
  void kill(int i) {
    if (!running[i]) {
      return;
    }
    running[i] = false;
    tsos[i].close();
    try {
      servers[i].close();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts node {@code i} on its port and data directory (recovering them). */
  void restart(int i) throws Exception {
    if (running[i]) {
      throw new IllegalStateException("node " + i + " is running");
    }
    RaftProperties props = properties(i);
    HighWaterRegister register = new HighWaterRegister();
    int n = i;
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(ids.get(i)))
        .setGroup(hostGroup)
        .setStateMachineRegistry(EmbeddedTso.registryWithTsoGroup(tsoGroup.getGroupId(), gid -> {
          KvHostStateMachine sm = new KvHostStateMachine(mode == EmbeddedTso.Mode.PIGGYBACK ? register : null);
          kv[n] = sm;
          return sm;
        }))
        .setProperties(props).setOption(RaftStorage.StartupOption.RECOVER).build();
    server.start();
    EmbeddedTso tso;
    try {
      if (mode == EmbeddedTso.Mode.PIGGYBACK) {
        tso = EmbeddedTso.piggyback(server, hostGroup.getGroupId(), register)
            .fence(FenceConfig.defaults()).onFatal(fatalErrors::add).start();
      } else {
        tso = EmbeddedTso.cohosted(server, tsoGroup.getGroupId()).addGroupIfAbsent(tsoGroup)
            .onFatal(fatalErrors::add).start();
      }
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
    servers[i] = server;
    registers[i] = register;
    tsos[i] = tso;
    running[i] = true;
  }

  private RaftProperties properties(int i) {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(baseDir.resolve(ids.get(i)).toFile()));
    String address = hostGroup.getPeers().stream().filter(p -> p.getId().toString().equals(ids.get(i)))
        .findFirst().orElseThrow().getAddress();
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(props, true);
    if (snapshots) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, SNAPSHOT_THRESHOLD);
      RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
      RaftServerConfigKeys.Log.setPurgeGap(props, 1);
      RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("2KB"));
    }
    return props;
  }

  /** Stops every node, in parallel (closing a Ratis leader can block for a while). */
  @Override
  public void close() {
    List<Thread> closers = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      int n = i;
      Thread t = new Thread(() -> kill(n), "close-" + ids.get(i));
      t.start();
      closers.add(t);
    }
    for (Thread t : closers) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Every node's KV data, by index (only running nodes). */
  Map<Integer, Map<String, String>> allData() {
    Map<Integer, Map<String, String>> out = new java.util.TreeMap<>();
    for (int i = 0; i < size(); i++) {
      if (running[i]) {
        out.put(i, kv[i].entries());
      }
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
