package io.tso4j.client;

import io.grpc.Status;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.timestamp.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Three {@link FakeOracle} nodes on 127.0.0.1 that act like a tso4j cluster going through a failover: one leader
 * serves, the others answer UNAVAILABLE with a hint naming the leader they know (and GetMembers with the members and
 * that leader); a leader that is still fencing answers UNAVAILABLE with a hint naming itself. A node can be killed
 * (its port closes) or hung (it accepts calls and never answers). Timestamps increase across terms.
 */
final class FakeCluster implements AutoCloseable {
  private static final long PHYSICAL = 1_700_000_000_000L;

  private final List<FakeOracle> nodes = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>();
  private final AtomicLong nextPhysical = new AtomicLong(PHYSICAL);
  private final boolean[] hung = new boolean[3];
  private volatile int leader;
  private volatile long term;
  private volatile boolean fencing;

  FakeCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      int me = i;
      FakeOracle node = new FakeOracle(req -> answer(me, req.getCount(), req.getRequestId()));
      nodes.add(node);
      endpoints.add(node.endpoint());
    }
    for (int i = 0; i < 3; i++) {
      int me = i;
      nodes.get(i).membersWith(req -> members(me));
    }
    leader = 0;
    term = 1;
  }

  /** Node {@code i}'s id, n1..n3. */
  static String id(int i) {
    return "n" + (i + 1);
  }

  FakeOracle node(int i) {
    return nodes.get(i);
  }

  List<String> endpoints() {
    return List.copyOf(endpoints);
  }

  /** Node {@code i} leads {@code newTerm}; it serves unless {@code stillFencing}; the others point at it. */
  synchronized void elect(int i, long newTerm, boolean stillFencing) {
    leader = i;
    term = newTerm;
    fencing = stillFencing;
  }

  /** Kills node {@code i}: its port closes, calls in flight fail. */
  void kill(int i) {
    nodes.get(i).stop();
  }

  /** Hangs node {@code i}: it keeps its port and never answers again. */
  synchronized void hang(int i) {
    hung[i] = true;
  }

  /** How many requests of any kind (timestamp requests, streams opened, GetMembers) node {@code i} received. */
  int rpcs(int i) {
    FakeOracle n = nodes.get(i);
    return n.calls() + n.streams() + n.membersCalls();
  }

  private GetTimestampResponse answer(int me, int count, long requestId) {
    synchronized (this) {
      if (hung[me]) {
        return null;
      }
      if (me != leader || fencing) {
        throw FakeOracle.unavailable(id(leader), endpoints.get(leader), term);
      }
      if (count < 1 || count > Timestamp.PER_MILLISECOND) {
        throw Status.INVALID_ARGUMENT.withDescription("was " + count).asRuntimeException();
      }
      long first = Timestamp.pack(nextPhysical.getAndIncrement(), 0);
      return FakeOracle.response(first, count, term, requestId);
    }
  }

  private GetMembersResponse members(int me) {
    synchronized (this) {
      if (hung[me]) {
        return null;
      }
      GetMembersResponse.Builder b = GetMembersResponse.newBuilder().setResponderId(id(me))
          .setServing(me == leader && !fencing)
          .setLeader(LeaderHint.newBuilder().setId(id(leader)).setEndpoint(endpoints.get(leader))
              .setTerm(term));
      for (int i = 0; i < nodes.size(); i++) {
        b.addMembers(io.tso4j.proto.v1.Member.newBuilder().setId(id(i)).setEndpoint(endpoints.get(i)));
      }
      return b.build();
    }
  }

  @Override
  public void close() {
    nodes.forEach(FakeOracle::close);
  }
}
