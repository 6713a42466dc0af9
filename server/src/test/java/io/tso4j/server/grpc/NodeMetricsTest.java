package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.RefusedException.Reason;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import io.tso4j.server.metrics.NodeMetrics;
import java.util.Map;
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
      stub.getTimestamp(count(10));
    }
    assertThatThrownBy(() -> stub.getTimestamp(count(0))).isInstanceOf(StatusRuntimeException.class);

    assertThat(requests("ok")).isEqualTo(3);
    assertThat(requests("invalid_argument")).isEqualTo(1);
    assertThat(requests("not_serving")).isZero();
    assertThat(registry.get("tso4j.timestamps").functionCounter().count()).isEqualTo(30);
    assertThat(registry.get("tso4j.request.latency").timer().count()).isEqualTo(4);
    assertThat(registry.get("tso4j.request.batch.size").summary().count()).isEqualTo(3);
    assertThat(gauge("tso4j.serving.state", "state", "SERVING")).isEqualTo(1);
    assertThat(gauge("tso4j.serving.state", "state", "FENCING")).isZero();
    assertThat(registry.get("tso4j.term").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.leader.known").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.healthy").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tso4j.high.water.lead").timeGauge().value(TimeUnit.MILLISECONDS))
        .as("the window reaches ahead of the clock").isPositive();
    assertThat(registry.get("tso4j.fences").tag("outcome", "served").functionCounter().count()).isEqualTo(1);

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
    stub.getTimestamp(count(1));
    node.breakable.stallWrites(true);
    await().atMost(TestNode.STARTUP).until(() -> node.oracle.state().frozen());
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> stub.getTimestamp(count(1))).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    assertThat(gauge("tso4j.serving.state", "state", "FROZEN")).isEqualTo(1);
    assertThat(registry.get("tso4j.healthy").gauge().value()).as("a frozen leader that knows no other").isZero();
    assertThat(registry.get("tso4j.freeze.episodes").functionCounter().count()).isEqualTo(1);
    assertThat(requests("lease_expired")).isEqualTo(5);
    assertThat(registry.get("tso4j.lease.refusals").functionCounter().count()).isEqualTo(5)
        .isEqualTo(node.oracle.stats().leaseRefusals());
    assertThat(registry.get("tso4j.refused.calls").tag("reason", "lease_expired").functionCounter().count())
        .isEqualTo(5);

    node.breakable.stallWrites(false);
    await().atMost(TestNode.STARTUP).until(() -> node.oracle.state().serving());
    stub.getTimestamp(count(1));
    assertThat(requests("ok")).isEqualTo(2);
    assertThat(gauge("tso4j.serving.state", "state", "FROZEN")).isZero();
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
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
  }
}
