package io.tso4j.ratis;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.ProtoUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices at once that the leader's process is gone, instead of after a missed-heartbeat timeout, and starts an
 * election then.
 *
 * <p>How: a follower keeps one idle TCP connection open to the leader's Raft port (the gRPC server sends its HTTP/2
 * settings and waits; nothing else happens on it). When the leader's process dies, its kernel closes that connection
 * at once; the follower then tries to connect again, and only if that is <em>refused</em> — nobody listens on the
 * leader's Raft port any more — is the leader lost. A leader whose host vanished (no reset, no refusal) is left to
 * Raft's own election timeout, as is every other doubt. The follower then reads the last log entry of every other
 * voter that remains ({@link PeerLogService}, waiting up to {@value #LOG_READ_DEADLINE_MILLIS} ms) and ranks itself
 * with those that answered: the newest last entry (term, then index) stands; among equal logs the node whose process
 * has run longest (a JVM that started seconds ago leads slowly: its leader code is cold), then the smallest id. Only
 * that one asks its own server to start an election now, through the same request a leadership transfer sends ({@code
 * startLeaderElection}, named as coming from the lost leader); the others leave it to that one (or, if it fails, to
 * Raft's timeout), so that two candidates do not split the vote. Ranking by log, not by id alone, matters: a voter
 * grants no vote to a candidate whose log is older than its own, so a forced candidate that missed the lost leader's
 * last appends fails its election, and the group then waits out an election timeout (seen in {@code tso4j stress}:
 * failovers of 0.85-1.5 s instead of 0.3-0.5 s, in 7 of 39 kills of the leader). The leader is gone, so
 * the logs being compared no longer change.
 *
 * <p>Why it is safe: it changes only <em>when</em> an election starts, never what the fence requires. The forced
 * election skips pre-vote (like a transfer), so a new leader may be elected while the old one's lease still runs; the
 * fence waits that lease out (docs/correctness.md F6), and a leader whose Raft port refuses connections has stopped
 * its Raft server anyway. A wrong guess costs one election.
 *
 * <p>With peer TLS ({@link PeerTls}) the held connection is a TLS connection: the detector completes a mutual
 * handshake with the node's own peer certificate (ALPN {@code h2}, as a Ratis peer does), so the leader's TLS port sees
 * an ordinary peer that has not sent a request yet, not a handshake that never finishes and times out. A failed
 * handshake (a peer with a certificate this node does not trust) is retried after {@value #HANDSHAKE_RETRY_MILLIS} ms
 * and never counts as a lost leader. The refusal check is a plain TCP connect either way: a refused connect needs no
 * handshake.
 *
 * <p>One daemon thread per driver. Thread-safe: {@link #close()} from any thread.
 */
final class LeaderLossDetector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderLossDetector.class);
  /** How long one connect to the leader's Raft port may take before the attempt counts as "unsure". */
  private static final int CONNECT_TIMEOUT_MILLIS = 200;
  /** How often the watch wakes up to check that it still watches the current leader. */
  private static final int READ_TIMEOUT_MILLIS = 50;
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** How long a TLS handshake with the leader may take. */
  private static final int HANDSHAKE_TIMEOUT_MILLIS = 5_000;
  /** How long to wait after a failed TLS handshake before the next try. */
  static final int HANDSHAKE_RETRY_MILLIS = 1_000;
  /** How long a follower that lost its leader waits for the other voters' last log entries. */
  static final long LOG_READ_DEADLINE_MILLIS = 100;
  /** The application protocol a Raft peer negotiates (gRPC over HTTP/2). */
  private static final String[] ALPN = {"h2"};

  private final String id;
  private final RaftServer server;
  private final RaftServer.Division division;
  private final RaftGroupId groupId;
  private final Thread thread;
  private final SSLSocketFactory tls;
  private final PeerLogReader logs;
  private final PeerLogService localLog;
  private volatile boolean closed;
  private long triggered;
  private volatile long held;
  private volatile long handshakeFailures;

  /**
   * A detector for this node's {@code division} of {@code server}, over TLS if {@code peerTls}, reading the other
   * voters' logs through {@code logs} and its own through {@code localLog} (already sourced); not started.
   */
  LeaderLossDetector(String id, RaftServer server, RaftServer.Division division, Optional<PeerTls> peerTls,
      PeerLogReader logs, PeerLogService localLog) {
    this.id = id;
    this.logs = logs;
    this.localLog = localLog;
    try {
      this.tls = peerTls.isPresent() ? peerTls.get().clientContext().getSocketFactory() : null;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("[" + id + "] cannot set up TLS for the leader-loss detector: " + e, e);
    }
    this.server = server;
    this.division = division;
    this.groupId = division.getGroup().getGroupId();
    this.thread = new Thread(this::run, "tso4j-leader-loss-" + id);
    this.thread.setDaemon(true);
  }

  /** Starts watching. */
  LeaderLossDetector start() {
    thread.start();
    return this;
  }

  /** How many elections this detector started. */
  long elections() {
    return triggered;
  }

  /** How many connections to a leader this detector opened and held (after the TLS handshake, with peer TLS). */
  long heldConnections() {
    return held;
  }

  /** How many TLS handshakes with a leader failed. */
  long handshakeFailures() {
    return handshakeFailures;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }

  private void run() {
    while (!closed) {
      try {
        Watched w = currentLeader();
        if (w == null) {
          sleepNanos(IDLE_NANOS);
          continue;
        }
        if (watch(w)) {
          onLost(w);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.debug("[{}] leader-loss watch failed: {}", id, e.toString());
        try {
          sleepNanos(IDLE_NANOS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** The leader this follower knows in its current term, if it is another node of the group. */
  private Watched currentLeader() {
    DivisionInfo info = division.getInfo();
    if (!info.isAlive() || !info.isFollower()) {
      return null;
    }
    RaftPeerId leader = info.getLeaderId();
    if (leader == null || leader.equals(server.getId())) {
      return null;
    }
    RaftPeer peer = division.getGroup().getPeer(leader);
    if (peer == null || peer.getAddress() == null) {
      return null;
    }
    return new Watched(leader, peer.getAddress(), info.getCurrentTerm());
  }

  /**
   * Holds a connection to {@code w}'s Raft port until it closes or the leader changes; returns true only if the
   * connection closed and a new one was refused.
   */
  private boolean watch(Watched w) throws InterruptedException {
    otherVoters(w.leader()).values().forEach(logs::connect);
    InetSocketAddress address = address(w.address());
    try (Socket raw = new Socket()) {
      raw.connect(address, CONNECT_TIMEOUT_MILLIS);
      Socket s = tls == null ? raw : handshake(raw, address);
      held++;
      try {
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        InputStream in = s.getInputStream();
        byte[] sink = new byte[256];
        while (!closed && w.equals(currentLeader())) {
          try {
            if (in.read(sink) < 0) {
              break;
            }
          } catch (SocketTimeoutException e) {
            // Still open; look at the leader again.
          }
        }
      } finally {
        if (s != raw) {
          s.close();
        }
      }
    } catch (ConnectException e) {
      return refused(address);
    } catch (HandshakeFailed e) {
      handshakeFailures++;
      LOG.debug("[{}] TLS handshake with leader {} at {} failed: {}", id, w.leader(), w.address(),
          e.getCause() == null ? e.toString() : e.getCause().toString());
      TimeUnit.MILLISECONDS.sleep(HANDSHAKE_RETRY_MILLIS);
      return false;
    } catch (IOException e) {
      // Reset or another error: ask again below.
    }
    if (closed || !w.equals(currentLeader())) {
      return false;
    }
    return refused(address);
  }

  /** A mutual TLS handshake over {@code raw}, as a Raft peer makes it. */
  private Socket handshake(Socket raw, InetSocketAddress address) throws HandshakeFailed {
    try {
      SSLSocket ssl = (SSLSocket) tls.createSocket(raw, address.getHostString(), address.getPort(), true);
      SSLParameters params = ssl.getSSLParameters();
      params.setApplicationProtocols(ALPN);
      ssl.setSSLParameters(params);
      ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
      ssl.startHandshake();
      return ssl;
    } catch (IOException | RuntimeException e) {
      throw new HandshakeFailed(e);
    }
  }

  /** A TLS handshake with the leader failed: never a sign that the leader is gone. */
  private static final class HandshakeFailed extends IOException {
    private static final long serialVersionUID = 1L;

    HandshakeFailed(Throwable cause) {
      super(cause);
    }
  }

  /** Whether a fresh connect to {@code address} is refused (nobody listens there); a timeout is not a refusal. */
  private static boolean refused(InetSocketAddress address) {
    try (Socket s = new Socket()) {
      s.connect(address, CONNECT_TIMEOUT_MILLIS);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void onLost(Watched w) throws InterruptedException {
    boolean voter = division.getRaftConf().getCurrentPeers().stream().anyMatch(p -> p.getId().equals(server.getId()));
    PeerLogService.PeerLog own = localLog.self();
    if (!voter || own == null || own.last().equals(PeerLogService.EMPTY)) {
      awaitChange(w);
      return;
    }
    TermIndex last = own.last();
    Map<RaftPeerId, PeerLogService.PeerLog> ranked = new HashMap<>(logs.lastEntries(otherVoters(w.leader()),
        LOG_READ_DEADLINE_MILLIS));
    ranked.put(server.getId(), own);
    RaftPeerId candidate = candidate(ranked);
    if (!candidate.equals(server.getId())) {
      LOG.info("[{}] leader {} of term {} is gone; {} starts the election (last log entries {})", id, w.leader(),
          w.term(), candidate, ranked);
      awaitChange(w);
      return;
    }
    RaftRpcRequestProto rpc = RaftRpcRequestProto.newBuilder()
        .setRequestorId(w.leader().toByteString())
        .setReplyId(server.getId().toByteString())
        .setRaftGroupId(ProtoUtils.toRaftGroupIdProtoBuilder(groupId))
        .build();
    StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
        .setServerRequest(rpc).setLeaderLastEntry(last.toProto()).build();
    try {
      StartLeaderElectionReplyProto reply = server.startLeaderElection(request);
      boolean started = reply.getServerReply().getSuccess();
      if (started) {
        triggered++;
      }
      LOG.info("[{}] leader {} of term {} is gone (its Raft port {} refuses connections): {} (last log entries {})",
          id, w.leader(), w.term(), w.address(),
          started ? "started an election" : "the server declined to start an election", ranked);
    } catch (IOException | RuntimeException e) {
      LOG.debug("[{}] could not start an election after losing {}: {}", id, w.leader(), e.toString());
    }
    awaitChange(w);
  }

  /**
   * The member that should stand for election among {@code logs} (member to its last log entry and start): the
   * newest entry, by term and then index; among equal entries the earliest start; then the smallest id.
   */
  static RaftPeerId candidate(Map<RaftPeerId, PeerLogService.PeerLog> logs) {
    return logs.entrySet().stream()
        .max(Comparator.comparing((Map.Entry<RaftPeerId, PeerLogService.PeerLog> e) -> e.getValue())
            .thenComparing(e -> e.getKey().toString(), Comparator.reverseOrder()))
        .map(Map.Entry::getKey)
        .orElseThrow(() -> new IllegalArgumentException("no members to rank"));
  }

  /** The voters other than this node and {@code leader}, with their Raft addresses. */
  private Map<RaftPeerId, String> otherVoters(RaftPeerId leader) {
    Map<RaftPeerId, String> others = new HashMap<>();
    for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
      if (!p.getId().equals(leader) && !p.getId().equals(server.getId()) && p.getAddress() != null) {
        others.put(p.getId(), p.getAddress());
      }
    }
    return others;
  }

  /** Waits (bounded) until this node no longer follows {@code w}, so that one loss is acted on once. */
  private void awaitChange(Watched w) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!closed && w.equals(currentLeader()) && System.nanoTime() - deadline < 0) {
      sleepNanos(IDLE_NANOS);
    }
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void sleepNanos(long nanos) throws InterruptedException {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  /** The leader being watched: id, Raft address, and the term in which this node follows it. */
  private record Watched(RaftPeerId leader, String address, long term) {
  }
}
