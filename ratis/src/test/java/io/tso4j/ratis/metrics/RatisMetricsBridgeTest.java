package io.tso4j.ratis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge over Ratis' real metric registries (ratis-metrics-default), created here as Ratis' own metrics classes
 * create theirs: registries and metrics that exist before the binding and those added after it show up, with the
 * member split into tags; removed ones go away.
 */
final class RatisMetricsBridgeTest {
  private static final MetricRegistryInfo BEFORE = new MetricRegistryInfo("b1@group-0A1B2C3D4E5F", "ratis",
      "test_before", "bridge test");
  private static final MetricRegistryInfo AFTER = new MetricRegistryInfo("b2@group-0A1B2C3D4E5F", "ratis",
      "test_after", "bridge test");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RatisMetricsBridge bridge = new RatisMetricsBridge();

  @AfterEach
  void tearDown() {
    bridge.close();
    MetricRegistries.global().remove(BEFORE);
    MetricRegistries.global().remove(AFTER);
  }

  @Test
  void followsRegistriesAndMetricsAsRatisCreatesAndRemovesThem() {
    RatisMetricRegistry before = MetricRegistries.global().create(BEFORE);
    before.counter("numRequestQueueLimitHits").inc(3);
    bridge.bindTo(registry);

    assertThat(registry.get("ratis.test_before.num_request_queue_limit_hits").tag("node", "b1")
        .tag("group", "group-0A1B2C3D4E5F").functionCounter().count()).isEqualTo(3);

    RatisMetricRegistry after = MetricRegistries.global().create(AFTER);
    long[] elapsed = {42};
    after.gauge("lastLeaderElapsedTime", () -> () -> elapsed[0]);
    after.gauge("follower_b3_lastHeartbeatElapsedTime", () -> () -> 7L);
    after.gauge("textValue", () -> () -> "text");
    after.gauge("b4_peerCommitIndex", () -> () -> 11L);
    after.counter("b2_ratis.grpc.RaftServerProtocolService_requestVote_started_total").inc();
    after.timer("appendEntryLatency").time().stop();
    before.counter("numRequestQueueLimitHits").inc();

    assertThat(registry.get("ratis.test_after.last_leader_elapsed_time").tag("node", "b2").gauge().value())
        .isEqualTo(42);
    elapsed[0] = 43;
    assertThat(registry.get("ratis.test_after.last_leader_elapsed_time").gauge().value()).as("read when scraped")
        .isEqualTo(43);
    assertThat(registry.get("ratis.test_after.follower_last_heartbeat_elapsed_time").tag("peer", "b3")
        .gauge().value()).isEqualTo(7);
    assertThat(registry.get("ratis.test_after.text_value").gauge().value()).isNaN();
    assertThat(registry.get("ratis.test_after.peer_commit_index").tag("peer", "b4").gauge().value()).isEqualTo(11);
    assertThat(registry.get("ratis.test_after.ratis_grpc_raft_server_protocol_service_request_vote_started_total")
        .tag("peer", "b2").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("ratis.test_after.append_entry_latency.calls").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("ratis.test_after.append_entry_latency").tag("quantile", "0.99").timeGauge()
        .value(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(0);
    assertThat(registry.get("ratis.test_before.num_request_queue_limit_hits").functionCounter().count())
        .isEqualTo(4);
    assertThat(bridge.bridgedRegistries()).isGreaterThanOrEqualTo(2);

    after.remove("lastLeaderElapsedTime");
    assertThat(registry.find("ratis.test_after.last_leader_elapsed_time").meter()).as("metric removed").isNull();
    MetricRegistries.global().remove(AFTER);
    assertThat(registry.find("ratis.test_after.follower_last_heartbeat_elapsed_time").meter())
        .as("registry removed").isNull();

    bridge.close();
    assertThat(registry.find("ratis.test_before.num_request_queue_limit_hits").meter()).as("bridge closed")
        .isNull();
  }

  @Test
  void namesBecomeSnakeCase() {
    assertThat(RatisMetricsBridge.snake("lastLeaderElapsedTime")).isEqualTo("last_leader_elapsed_time");
    assertThat(RatisMetricsBridge.snake("appendEntryRPC")).isEqualTo("append_entry_rpc");
    assertThat(RatisMetricsBridge.snake("num.requests-queued")).isEqualTo("num_requests_queued");
    assertThat(RatisMetricsBridge.snake("follower_next_index")).isEqualTo("follower_next_index");
  }
}
