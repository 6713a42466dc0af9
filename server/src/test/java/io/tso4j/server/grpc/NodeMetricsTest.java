package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.PeerClockSample;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.RefusedException.Reason;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import io.tso4j.server.metrics.NodeMetrics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's meters over a real oracle and its gRPC service (in-memory driver, loopback gRPC): the request meters
 * count what the service did, the oracle meters read the oracle's own counters, and close() removes everything.
 */
final class NodeMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private TestNode node;
  private ManagedChannel channel;
  private NodeMetrics metrics;

  @AfterEach
  void tearDown() throws Exception {
    if (metrics != null) {
      metrics.close();
    }
    if (channel != null) {
      Loopback.close(channel);
    }
    if (node != null) {
      node.close();
    }
  }

  private TimestampOracleGrpc.TimestampOracleBlockingStub stub() {
    channel = Loopback.channel(node.server.port());
    return TimestampOracleGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static GetTimestampRequest count(int n) {
    return GetTimestampRequest.newBuilder().setCount(n).build();
  }

  private double requests(String outcome) {
    return registry.get("tso4j.requests").tag("node", "n1").tag("outcome", outcome).counter().count();
  }

  private double gauge(String name, String tagKey, String tagValue) {
    return registry.get(name).tag("node", "n1").tag(tagKey, tagValue).gauge().value();
  }

  @Test
  void requestAndOracleMetersCountWhatHappenedAndCloseRemovesThem() throws Exception {
    node = TestNode.leader("n1");
    metrics = new NodeMetrics(node.oracle, node.service, null);
    metrics.bindTo(registry);
    TimestampOracleGrpc.TimestampOracleBlockingStub stub = stub();
    for (int i = 0; i < 3; i++) {
      // Retried if a loaded machine freezes the 100 ms lease for a moment (counted as lease_expired then).
      await().atMost(TestNode.STARTUP).ignoreExceptions().until(() -> stub.getTimestamp(count(10)).getCount() == 10);
    }
    assertThatThrownBy(() -> stub.getTimestamp(count(0))).isInstanceOf(StatusRuntimeException.class);

    assertThat(requests("ok")).isEqualTo(3);
    assertThat(requests("invalid_argument")).isEqualTo(1);
    assertThat(requests("not_serving")).isZero();
    assertThat(registry.get("tso4j.timestamps").functionCounter().count()).isEqualTo(30);
    assertThat((double) registry.get("tso4j.request.latency").timer().count()).as("every request, any outcome")
        .isEqualTo(4 + requests("lease_expired"));
    assertThat(registry.get("tso4j.request.batch.size").summary().count()).isEqualTo(3);
    assertThat(gauge("tso4j.serving.state", "state", "SERVING")).isEqualTo(1);
    assertThat(gauge("tso4j.serving.state", "state", "FENCING")).isZero();
    assertThat(registry.get("tso4j.term").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.leader.known").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.healthy").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.high.water.lead").timeGauge().value(TimeUnit.MILLISECONDS))
        .as("the window reaches ahead of the clock").isPositive();
    assertThat(registry.get("tso4j.fences").tag("outcome", "served").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("tso4j.fence.duration").timer().count()).as("the fence before binding").isEqualTo(1);
    assertThat(registry.get("tso4j.election.duration").timer().count()).as("recorded with that fence").isEqualTo(1);
    assertThat(registry.get("tso4j.election.duration").timer().totalTime(TimeUnit.NANOSECONDS))
        .isEqualTo((double) node.oracle.stats().lastFence().orElseThrow().election().toNanos());
    assertThat(registry.get("tso4j.term.changes").functionCounter().count()).as("term 1 was the first seen").isZero();

    // Stopped: every call is refused NOT_SERVING; the service's and the oracle's counts agree.
    node.oracle.stopServing();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> stub.getTimestamp(count(1))).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(requests("not_serving")).isEqualTo(2);
    assertThat(registry.get("tso4j.refused.calls").tag("reason", "not_serving").functionCounter().count())
        .isEqualTo(node.oracle.refusals(Reason.NOT_SERVING)).isEqualTo(2);
    assertThat(registry.get("tso4j.lease.refusals").functionCounter().count())
        .isEqualTo(node.oracle.stats().leaseRefusals());
    assertThat(gauge("tso4j.serving.state", "state", "STOPPED")).isEqualTo(1);
    assertThat(gauge("tso4j.serving.state", "state", "SERVING")).isZero();
    assertThat(registry.get("tso4j.healthy").gauge().value()).isZero();

    metrics.close();
    assertThat(registry.getMeters()).as("every meter removed").isEmpty();
    assertThatThrownBy(() -> stub.getTimestamp(count(1))).as("the service still answers without a recorder")
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aFreezeShowsInTheMetersWithTheOraclesOwnCounts() throws Exception {
    node = TestNode.leader("n1");
    metrics = new NodeMetrics(node.oracle, node.service, null);
    metrics.bindTo(registry);
    TimestampOracleGrpc.TimestampOracleBlockingStub stub = stub();
    // A loaded machine may freeze the 100 ms lease on its own now and then: compare against the counts before.
    double episodesBefore = registry.get("tso4j.freeze.episodes").functionCounter().count();
    double refusalsBefore = registry.get("tso4j.lease.refusals").functionCounter().count();
    double lapsedBefore = requests("lease_expired");
    node.breakable.stallWrites(true);
    await().atMost(TestNode.STARTUP).until(() -> node.oracle.state().frozen());
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> stub.getTimestamp(count(1))).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    assertThat(gauge("tso4j.serving.state", "state", "FROZEN")).isEqualTo(1);
    assertThat(registry.get("tso4j.healthy").gauge().value()).as("a frozen leader that knows no other").isZero();
    // At least one episode: a new one, or the one still open from such a freeze (the stall continues it).
    assertThat(registry.get("tso4j.freeze.episodes").functionCounter().count()).isGreaterThanOrEqualTo(1)
        .isGreaterThanOrEqualTo(episodesBefore).isEqualTo(node.oracle.stats().freezeEpisodes());
    assertThat(requests("lease_expired") - lapsedBefore).isEqualTo(5);
    double refusals = registry.get("tso4j.lease.refusals").functionCounter().count();
    assertThat(refusals - refusalsBefore).isEqualTo(5);
    assertThat(refusals).isEqualTo(node.oracle.stats().leaseRefusals());
    assertThat(registry.get("tso4j.refused.calls").tag("reason", "lease_expired").functionCounter().count())
        .isEqualTo(refusals);

    node.breakable.stallWrites(false);
    await().atMost(TestNode.STARTUP).ignoreExceptions().until(() -> stub.getTimestamp(count(1)).getCount() == 1);
    assertThat(requests("ok")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aFenceAfterBindingIsTimedWithItsPhases() throws Exception {
    node = TestNode.follower("n1", 1, "n2", Map.of("n1", "", "n2", ""));
    metrics = new NodeMetrics(node.oracle, node.service, null);
    metrics.bindTo(registry);
    assertThat(gauge("tso4j.serving.state", "state", "NOT_SERVING")).isEqualTo(1);
    assertThat(registry.get("tso4j.high.water.lead").timeGauge().value()).as("not serving").isNaN();
    node.driver.setLeadership(new LeadershipEvent.Leader(2));
    await().atMost(TestNode.STARTUP).until(() -> node.oracle.state().serving());

    assertThat(registry.get("tso4j.fence.duration").timer().count()).isEqualTo(1);
    assertThat(registry.get("tso4j.fence.phase.duration").tag("phase", "lease_wait").timer()
        .totalTime(TimeUnit.MILLISECONDS)).as("the new leader waited out a lease").isPositive();
    for (String phase : new String[] {"load", "persist", "renew"}) {
      assertThat(registry.get("tso4j.fence.phase.duration").tag("phase", phase).timer().count()).isEqualTo(1);
    }
    assertThat(registry.get("tso4j.term").gauge().value()).isEqualTo(2);
    assertThat(registry.get("tso4j.term.changes").functionCounter().count()).as("term 1, then 2").isEqualTo(1);
    assertThat(registry.get("tso4j.election.duration").timer().count()).isEqualTo(1);
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
  }

  /** Readings of n2's and n3's clocks as if this node's ran {@code rate} times theirs, from {@code from} on. */
  private static long feed(TimestampOracle oracle, double rate, long from, int rounds) {
    long ms = 1_000_000;
    long ours = from;
    for (int k = 0; k < rounds; k++) {
      long peer = 50_000_000_000L + (long) (ours / rate);
      for (String p : List.of("n2", "n3")) {
        oracle.observePeerClock(new PeerClockSample(p, 7, ours, peer, ours + ms, Set.of("n2", "n3")));
      }
      ours += 500 * ms;
    }
    return ours;
  }

  @Test
  void aSuspectClockIsRefusedWithItsReasonShownInTheMetersAndServesAgainAfterAFence() throws Exception {
    node = TestNode.leader("n1");
    metrics = new NodeMetrics(node.oracle, node.service, null);
    metrics.bindTo(registry);
    TimestampOracleGrpc.TimestampOracleBlockingStub stub = stub();
    assertThat(registry.get("tso4j.clock.suspect").gauge().value()).isZero();
    long term = node.oracle.state().term();

    long at = feed(node.oracle, 1.3, 0, 12);
    assertThatThrownBy(() -> stub.getTimestamp(count(1))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription())
          .contains("NOT_SERVING: clock suspect: monotonic rate 1.300x of peers n2, n3 (bound 5%)");
    });
    assertThat(registry.get("tso4j.clock.suspect").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.clock.suspect.episodes").functionCounter().count()).isEqualTo(1);
    await().atMost(TestNode.STARTUP).until(() -> !node.oracle.state().serving());

    // The peers agree again (a window of readings at the same rate): a new fence, then it serves.
    feed(node.oracle, 1.0, at, 12);
    assertThat(registry.get("tso4j.clock.suspect").gauge().value()).isZero();
    await().atMost(TestNode.STARTUP).ignoreExceptions().until(() -> stub.getTimestamp(count(1)).getCount() == 1);
    assertThat(node.oracle.state().term()).as("the same term, fenced again").isEqualTo(term);
    assertThat(registry.get("tso4j.fences").tag("outcome", "served").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("tso4j.clock.peer.disagreements").functionCounter().count()).isZero();
  }
}
