package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's meters through {@link TsoClientMetrics}, against fake servers on 127.0.0.1. */
final class TsoClientMetricsTest {
  private static final long PHYSICAL = 1_700_000_000_000L;

  @Test
  void callsBatchesAndRequestsInFlightAreRecorded() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, PHYSICAL));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      TsoClientMetrics metrics = new TsoClientMetrics(client, Tags.of("app", "test"));
      metrics.bindTo(registry);
      String id = metrics.clientId();

      client.getTimestamp();
      client.getTimestamps(7);

      assertThat(registry.get("tso4j.client.calls").tags("client", id, "outcome", "ok", "app", "test").counter()
          .count()).isEqualTo(2);
      assertThat(registry.get("tso4j.client.call.latency").tags("client", id).timer().count()).isEqualTo(2);
      assertThat(registry.get("tso4j.client.batch.timestamps").tags("client", id).summary().totalAmount())
          .isEqualTo(8);
      assertThat(registry.get("tso4j.client.batch.callers").tags("client", id).summary().count()).isEqualTo(2);
      assertThat(registry.get("tso4j.client.requests.inflight").tags("client", id).gauge().value()).isZero();
      assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("client")).isEqualTo(id));
    }
  }

  @Test
  void errorsAreCountedByOutcome() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (FakeOracle fake = new FakeOracle(req -> {
      throw Status.INVALID_ARGUMENT.withDescription("was 0").asRuntimeException();
    }); TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      TsoClientMetrics metrics = new TsoClientMetrics(client);
      metrics.bindTo(registry);
      assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoInvalidArgumentException.class);
      fake.answerWith(req -> FakeOracle.response(-5, req.getCount(), 1, req.getRequestId()));
      assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoOrderViolationException.class);

      assertThat(outcome(registry, metrics, "invalid")).isEqualTo(1);
      assertThat(outcome(registry, metrics, "order_violation")).isEqualTo(1);
      assertThat(outcome(registry, metrics, "ok")).isZero();
      assertThat(registry.get("tso4j.client.order.violations").tags("client", metrics.clientId()).counter()
          .count()).isEqualTo(1);
    }
  }

  @Test
  void twoClientsInOneRegistryKeepTheirOwnMetersAndCloseRemovesOnlyTheirs() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, PHYSICAL))) {
      TsoClient a = TsoClient.newBuilder().endpoints(fake.endpoint()).build();
      TsoClient b = TsoClient.newBuilder().endpoints(fake.endpoint()).build();
      try {
        TsoClientMetrics ma = new TsoClientMetrics(a);
        TsoClientMetrics mb = new TsoClientMetrics(b);
        ma.bindTo(registry);
        mb.bindTo(registry);
        assertThat(ma.clientId()).isNotEqualTo(mb.clientId());
        a.getTimestamp();
        b.getTimestamp();
        b.getTimestamp();
        b.getTimestamp();

        assertThat(outcome(registry, ma, "ok")).isEqualTo(1);
        assertThat(outcome(registry, mb, "ok")).isEqualTo(3);

        a.close();

        assertThat(metersOf(registry, ma)).as("a's meters after a.close()").isEmpty();
        assertThat(metersOf(registry, mb)).as("b's meters after a.close()").isNotEmpty();
        b.getTimestamp();
        assertThat(outcome(registry, mb, "ok")).isEqualTo(4);
        assertThatThrownBy(() -> new TsoClientMetrics(a).bindTo(registry)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("closed");
        assertThat(metersOf(registry, ma)).as("binding a closed client registers nothing").isEmpty();
      } finally {
        a.close();
        b.close();
      }
      assertThat(registry.getMeters()).isEmpty();
    }
  }

  @Test
  void closingTheBinderRemovesItsMetersFromEveryRegistry() throws Exception {
    MeterRegistry one = new SimpleMeterRegistry();
    MeterRegistry two = new SimpleMeterRegistry();
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, PHYSICAL));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      TsoClientMetrics metrics = new TsoClientMetrics(client);
      metrics.bindTo(one);
      metrics.bindTo(two);
      client.getTimestamp();
      assertThat(outcome(two, metrics, "ok")).isEqualTo(1);

      metrics.close();

      assertThat(one.getMeters()).isEmpty();
      assertThat(two.getMeters()).isEmpty();
      client.getTimestamp();
    }
  }

  private static double outcome(MeterRegistry registry, TsoClientMetrics m, String outcome) {
    return registry.get("tso4j.client.calls").tags("client", m.clientId(), "outcome", outcome).counter().count();
  }

  private static List<Meter> metersOf(MeterRegistry registry, TsoClientMetrics m) {
    return List.copyOf(registry.find("tso4j.client.calls").tags("client", m.clientId()).meters());
  }
}
