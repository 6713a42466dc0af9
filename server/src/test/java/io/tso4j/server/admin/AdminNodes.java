package io.tso4j.server.admin;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.AdminGrpc;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.ListMembersRequest;
import io.tso4j.proto.v1.ListMembersResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import io.tso4j.server.LocalCluster;
import io.tso4j.server.NodeStartException;
import io.tso4j.server.NodeTuning;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TsoNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** In-process tso4j nodes on loopback and admin stubs to them, for the admin tests. Closes what it started. */
final class AdminNodes implements AutoCloseable {
  private final Path dir;
  private final Map<String, TsoNode> nodes = new LinkedHashMap<>();
  private final Map<String, PeerSpec> specs = new LinkedHashMap<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

  AdminNodes(Path dir) {
    this.dir = dir;
  }

  /** A spec on free loopback ports. */
  static PeerSpec spec(String id) throws Exception {
    return new PeerSpec(id, "127.0.0.1", LocalCluster.freePort(), LocalCluster.freePort());
  }

  /** Starts every node of a new group made of {@code group}. */
  void form(List<PeerSpec> group) throws NodeStartException {
    for (PeerSpec p : group) {
      start(p, group, false);
    }
  }

  /** Starts {@code p} with an empty configuration, to be added by the running group. */
  void join(PeerSpec p) throws NodeStartException {
    start(p, List.of(p), true);
  }

  private void start(PeerSpec p, List<PeerSpec> peers, boolean join) throws NodeStartException {
    TsoNode.Config cfg = new TsoNode.Config(p.id(), peers, "127.0.0.1", p.clientPort(), dir.resolve(p.id()),
        Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(), TsoClock.system());
    specs.put(p.id(), p);
    nodes.put(p.id(), TsoNode.start(cfg, NodeTuning.defaults(), join, e -> { }));
  }

  /** Stops one node. */
  void stop(String id) {
    TsoNode n = nodes.remove(id);
    if (n != null) {
      n.close();
    }
  }

  TsoNode node(String id) {
    return nodes.get(id);
  }

  /** The admin stub of {@code id}. */
  AdminGrpc.AdminBlockingStub admin(String id) {
    ManagedChannel ch = channels.computeIfAbsent(id, k -> ManagedChannelBuilder
        .forAddress("127.0.0.1", specs.get(k).clientPort()).usePlaintext().build());
    return AdminGrpc.newBlockingStub(ch).withDeadlineAfter(40, TimeUnit.SECONDS);
  }

  /** What TimestampOracle.GetMembers on {@code id} reports: id → endpoint (what clients learn). */
  Map<String, String> getMembers(String id) {
    admin(id);
    Map<String, String> out = new LinkedHashMap<>();
    TimestampOracleGrpc.newBlockingStub(channels.get(id)).withDeadlineAfter(5, TimeUnit.SECONDS)
        .getMembers(GetMembersRequest.getDefaultInstance()).getMembersList()
        .forEach(m -> out.put(m.getId(), m.getEndpoint()));
    return out;
  }

  /** The client endpoints of the running nodes. */
  List<String> endpoints() {
    List<String> out = new ArrayList<>();
    nodes.keySet().forEach(id -> out.add(specs.get(id).clientEndpoint()));
    return out;
  }

  /** The id of the leader, as the running nodes agree on it (waits up to 20 s). */
  String awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (String id : nodes.keySet()) {
        try {
          ListMembersResponse r = admin(id).listMembers(ListMembersRequest.getDefaultInstance());
          if (r.getResponder().getRole() == io.tso4j.proto.v1.MemberRole.MEMBER_ROLE_LEADER
              && nodes.get(id).oracle().state().serving()) {
            return id;
          }
        } catch (StatusRuntimeException e) {
          // not up yet
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no serving leader within 20 s among " + nodes.keySet());
  }

  /** Waits (up to 20 s) until {@code id} leads and serves, and no other node claims to lead. */
  void awaitLeaderIs(String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String seen = null;
    while (System.nanoTime() < deadline) {
      seen = awaitLeader();
      if (seen.equals(id)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + " did not take over; leader is " + seen);
  }

  /** Calls {@code call} on {@code first}, following leader hints (up to 5 hops, 30 s). */
  <T> T onLeader(String first, Function<AdminGrpc.AdminBlockingStub, T> call) throws InterruptedException {
    String at = first;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return call.apply(admin(at));
      } catch (StatusRuntimeException e) {
        last = e;
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw e;
        }
        LeaderHint hint = e.getTrailers() == null ? null : e.getTrailers().get(WireKeys.LEADER_HINT);
        if (hint != null && specs.containsKey(hint.getId()) && nodes.containsKey(hint.getId())) {
          at = hint.getId();
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("no leader answered", last);
  }

  @Override
  public void close() {
    for (ManagedChannel ch : channels.values()) {
      ch.shutdownNow();
      try {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String id : List.copyOf(nodes.keySet())) {
      stop(id);
    }
  }
}
