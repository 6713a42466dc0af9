package io.tso4j.ratis;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Builds and starts the Ratis server that a standalone node's {@link RatisDriver} owns: the data directory, the
 * {@link RaftProperties} that tso4j relies on (pre-vote on, election timeouts, snapshots), the {@link Parameters}
 * that close the Raft port to everything but Raft peers (peer TLS, {@link RaftOnlyPort}), the fixed group and the
 * {@link HighWaterStateMachine}.
 *
 * <p>The one place where a tso4j node's Ratis settings are decided. Stateless; thread-safe.
 */
final class RatisServerFactory {
  /** Snapshots kept on disk when automatic snapshots are on. */
  static final int SNAPSHOTS_RETAINED = 3;
  /**
   * How a leader paces retries toward a follower whose appends fail ({@code raft.server.log.appender.retry.policy}):
   * pairs of sleep and attempt count. Ratis's default {@code 1ms,10, 1s,20, 5s,1000} sleeps 1 s between attempts
   * from the 11th failure on, so a follower killed and restarted at once waited 0–1 s after its start (up to 5 s
   * once it had been down 20 s) before the leader reached it and it knew the leader (measured: cold-start section of
   * docs/operations.md). 100 ms for the first 10 s of failures, then 1 s, then 5 s, keeps that wait short and costs a
   * refused connection every 100 ms while a peer is down. Leader election and heartbeats are not affected.
   */
  static final String APPENDER_RETRY_POLICY = "1ms,10, 100ms,100, 1s,100, 5s,1000";
  /**
   * How much of a new log segment file Ratis fills ahead of the entries ({@code raft.server.log.preallocated.size}).
   * Ratis rolls to a new segment at every term change, so a new leader and each follower create one on the path to
   * "leader ready", and Ratis's default, 4 MB, is written out in full and flushed by the segment's first sync
   * (measured with {@code perf trace}: that first fdatasync took 15-21 ms, later ones 0.3-3 ms). A tso4j entry is
   * about 100 bytes and the log takes a few dozen a second, so 128 KB lasts minutes and is filled again as needed.
   */
  static final SizeInBytes LOG_PREALLOCATED_SIZE = SizeInBytes.valueOf("128KB");

  private RatisServerFactory() {
  }

  /**
   * Builds (but does not start) a Ratis server for {@code config}, recovering the data directory if it holds state
   * and formatting it if empty.
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  static RaftServer build(RatisDriverConfig config) throws ConsensusException {
    return build(config, MembershipSeed.none());
  }

  /**
   * Builds (but does not start) a Ratis server for {@code config} whose initial peers carry the client endpoints of
   * {@code seed} (an empty peer list if the node joins a running group).
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  static RaftServer build(RatisDriverConfig config, MembershipSeed seed) throws ConsensusException {
    return build(config, seed, null);
  }

  /**
   * Like {@link #build(RatisDriverConfig, MembershipSeed)}, with {@code services} (if not null) served on the Raft
   * port beside the Raft peer protocol ({@link PeerServices}).
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  static RaftServer build(RatisDriverConfig config, MembershipSeed seed, PeerServices services)
      throws ConsensusException {
    prepareDataDir(config.nodeId(), config.dataDir());
    StorageCheck.check(config.nodeId(), config.dataDir(), config.groupId().toString());
    List<RaftPeer> peers = new ArrayList<>();
    if (!seed.join()) {
      config.peers().forEach((pid, address) -> {
        String client = seed.clientEndpoints().getOrDefault(pid, "");
        peers.add(RaftPeer.newBuilder().setId(pid).setAddress(address)
            .setClientAddress(client.isEmpty() ? null : client).build());
      });
    }
    RaftGroupId gid = RaftGroupId.valueOf(config.groupId());
    try {
      return RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.nodeId()))
          .setGroup(RaftGroup.valueOf(gid, peers))
          .setStateMachine(new HighWaterStateMachine())
          .setProperties(properties(config))
          .setParameters(parameters(config, services))
          .setOption(RaftStorage.StartupOption.RECOVER)
          .build();
    } catch (IOException | RuntimeException e) {
      throw RatisErrors.startup("[" + config.nodeId() + "] cannot build the Ratis server with data dir "
          + config.dataDir(), e);
    }
  }

  /** The Raft properties of a node with {@code config}. */
  static RaftProperties properties(RatisDriverConfig config) {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(config.dataDir().toFile()));
    GrpcConfigKeys.Server.setHost(props, config.localHost());
    GrpcConfigKeys.Server.setPort(props, config.localPort());
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, millis(config.rpcTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, millis(config.rpcTimeoutMax()));
    RaftServerConfigKeys.LeaderElection.setPreVote(props, true);
    // A leader that stepped down because it lost its majority (LOST_MAJORITY_HEARTBEATS) starts no election for this
    // long. Ratis's default, 10 s, left the group without a leader for 7-17 s in rolling restarts, whenever the
    // only node with the newest log was that one: the other could not win, and it would not run. Pre-vote already
    // keeps a cut-off node from disrupting a healthy majority, so one election timeout is enough.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(props, millis(config.rpcTimeoutMax()));
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(props, APPENDER_RETRY_POLICY);
    RaftServerConfigKeys.Log.setPreallocatedSize(props, LOG_PREALLOCATED_SIZE);
    // Heartbeats on the connection the vote requests just used: with Ratis's separate heartbeat channel (its
    // default) a new leader's first append is a heartbeat that waits for that channel to connect first.
    GrpcConfigKeys.Server.setHeartbeatChannel(props, false);
    if (config.snapshotThreshold().isPresent()) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotThreshold().getAsLong());
      RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, SNAPSHOTS_RETAINED);
    }
    return props;
  }

  /**
   * The Ratis parameters of a node with {@code config}: the Raft port serves the Raft peer protocol only ({@link
   * RaftOnlyPort}), and speaks mutual TLS, as server and as client of the peers, if the config has {@link PeerTls}.
   */
  static Parameters parameters(RatisDriverConfig config) {
    return parameters(config, null);
  }

  /** Like {@link #parameters(RatisDriverConfig)}, with {@code services} (if not null) on the Raft port. */
  static Parameters parameters(RatisDriverConfig config, PeerServices services) {
    Parameters params = new Parameters();
    GrpcConfigKeys.Server.setServicesCustomizer(params,
        services == null ? RaftOnlyPort.INSTANCE : RaftOnlyPort.with(services));
    config.peerTls().ifPresent(tls -> GrpcConfigKeys.Server.setTlsConf(params,
        new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), true)));
    return params;
  }

  /**
   * Starts a server built by {@link #build}, after checking that its Raft port is free (a busy port is reported as
   * such, not as a Ratis stack trace).
   *
   * @throws ConsensusException PERMANENT naming the address or the data directory if it cannot start
   */
  static void start(RaftServer server, RatisDriverConfig config) throws ConsensusException {
    String where = config.localAddress();
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(config.localHost(), config.localPort()));
    } catch (IOException e) {
      throw RatisErrors.startup("[" + config.nodeId() + "] Raft port " + where
          + " is already in use or cannot be bound", e);
    }
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      if (RatisErrors.isBindFailure(e)) {
        throw RatisErrors.startup("[" + config.nodeId() + "] Raft port " + where + " is already in use", e);
      }
      throw RatisErrors.startup("[" + config.nodeId() + "] cannot start the Ratis server on " + where
          + " with data dir " + config.dataDir(), e);
    }
  }

  private static void prepareDataDir(String nodeId, Path dir) throws ConsensusException {
    String prefix = "[" + nodeId + "] data dir " + dir.toAbsolutePath();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new ConsensusException(Kind.PERMANENT, prefix + " is not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw RatisErrors.startup(prefix + " cannot be created", e);
    }
    if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
      throw new ConsensusException(Kind.PERMANENT, prefix + " is not readable and writable");
    }
    DataDirFormat.check(nodeId, dir);
  }

  private static TimeDuration millis(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }
}
