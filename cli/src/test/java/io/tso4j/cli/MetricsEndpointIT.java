package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoClientMetrics;
import io.tso4j.core.FenceConfig;
import io.tso4j.server.LocalCluster;
import io.tso4j.server.TsoNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real 3-node cluster in this process with the daemon's metrics (the same {@link DaemonMetrics} that {@code serve}
 * and {@code local-cluster} use), scraped over HTTP: the server meters are there with sane values, Ratis' and the
 * JVM's too, OpenMetrics when asked, /health 200 then 503 when a node stops, the client meters of two clients side by
 * side and gone after close, and every metric the Grafana dashboard uses exists.
 */
final class MetricsEndpointIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(String url, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Timeout(90)
  void aThreeNodeClusterExposesItsMetersAndHealth(@TempDir Path dir) throws Exception {
    try (DaemonMetrics metrics = new DaemonMetrics();
        LocalCluster cluster = LocalCluster.ratis(3, dir, Duration.ofMillis(200), Duration.ofMillis(400),
            FenceConfig.defaults())) {
      cluster.nodes().forEach(metrics::bind);
      // The GC pause timer (a dashboard panel) appears with the first collection: have one.
      System.gc();
      MetricsEndpoint endpoint = metrics.serve("127.0.0.1", 0);
      String base = "http://127.0.0.1:" + endpoint.port();
      assertThat(endpoint.metricsUrl()).isEqualTo(base + "/metrics");
      assertThat(cluster.awaitServing(Duration.ofSeconds(30))).as("a leader serves").isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(base + "/health", null).statusCode() == 200);

      TsoClient a = TsoClient.newBuilder().endpoints(cluster.endpoints()).build();
      TsoClient b = TsoClient.newBuilder().endpoints(cluster.endpoints()).build();
      TsoClientMetrics ma = new TsoClientMetrics(a);
      TsoClientMetrics mb = new TsoClientMetrics(b);
      ma.bindTo(metrics.registry());
      mb.bindTo(metrics.registry());
      for (int i = 0; i < 20; i++) {
        a.getTimestamps(5);
        b.getTimestamp();
      }

      HttpResponse<String> text = get(base + "/metrics", null);
      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
      // A loaded machine may freeze the leader for a moment (FROZEN: no node SERVING): scrape until one serves.
      AtomicReference<PrometheusText> serving = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        PrometheusText t = new PrometheusText(get(base + "/metrics", null).body());
        serving.set(t);
        return t.samples("tso4j_serving_state", "state", "SERVING").stream().filter(x -> x.value() == 1).count() == 1;
      });
      PrometheusText scrape = serving.get();
      for (TsoNode n : cluster.nodes()) {
        assertThat(scrape.sum("tso4j_term", "node", n.id())).as("term of %s", n.id()).isGreaterThanOrEqualTo(1);
      }
      assertThat(scrape.samples("tso4j_serving_state").stream().filter(x -> x.value() == 1))
          .as("one state per node").hasSize(3);
      assertThat(scrape.sum("tso4j_requests_total", "outcome", "ok")).isGreaterThanOrEqualTo(40);
      assertThat(scrape.sum("tso4j_timestamps_total")).isGreaterThanOrEqualTo(120);
      assertThat(scrape.sum("tso4j_fences_total", "outcome", "served")).isGreaterThanOrEqualTo(1);
      assertThat(scrape.sum("tso4j_leader_known")).isGreaterThanOrEqualTo(1);
      assertThat(scrape.has("tso4j_request_latency_seconds_bucket")).isTrue();
      assertThat(scrape.has("tso4j_fence_duration_seconds_bucket")).isTrue();
      assertThat(scrape.sum("tso4j_lease_refusals_total")).isEqualTo(scrape.sum("tso4j_refused_calls_total",
          "reason", "lease_expired"));
      assertThat(scrape.has("tso4j_clock_suspect_episodes_total")).isTrue();
      assertThat(scrape.has("tso4j_clock_peer_disagreements_total")).isTrue();
      assertThat(scrape.samples("tso4j_clock_suspect")).as("one per node, none suspect").hasSize(3)
          .allMatch(x -> x.value() == 0);
      assertThat(scrape.has("jvm_memory_used_bytes")).as("JVM meters").isTrue();
      assertThat(scrape.hasPrefix("ratis_")).as("Ratis' own metrics bridged").isTrue();
      assertThat(scrape.sum("tso4j_client_calls_total", "client", ma.clientId(), "outcome", "ok")).isEqualTo(20);
      assertThat(scrape.sum("tso4j_client_calls_total", "client", mb.clientId(), "outcome", "ok")).isEqualTo(20);

      List<String> exprs = DashboardNames.expressions(DashboardNames.DASHBOARD);
      assertThat(DashboardNames.names(exprs)).as("the dashboard uses the server meters")
          .contains("tso4j_serving_state", "tso4j_fence_duration_seconds_bucket");
      assertThat(DashboardNames.missing(exprs, scrape)).as("dashboard names missing from the scrape").isEmpty();
      assertThat(DashboardNames.missing(List.of("rate(tso4j_no_such_metric_total[1m])"), scrape))
          .as("positive control").containsExactly("tso4j_no_such_metric_total");

      HttpResponse<String> open = get(base + "/metrics", "application/openmetrics-text; version=1.0.0");
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("application/openmetrics-text"));
      assertThat(open.body().strip()).endsWith("# EOF");

      a.close();
      b.close();
      PrometheusText afterClose = new PrometheusText(get(base + "/metrics", null).body());
      assertThat(afterClose.samples("tso4j_client_calls_total")).as("client meters removed on close").isEmpty();
      assertThat(get(base + "/nothing-here", null).statusCode()).isEqualTo(404);

      AtomicReference<HttpResponse<String>> healthy = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        healthy.set(get(base + "/health", null));
        return healthy.get().statusCode() == 200;
      });
      assertThat(healthy.get().body()).startsWith("ok\n").contains("n1 ok", "n2 ok", "n3 ok");
      TsoNode follower = cluster.nodes().stream().filter(n -> !n.oracle().state().serving()).findFirst()
          .orElseThrow();
      follower.close();
      HttpResponse<String> unhealthy = get(base + "/health", null);
      assertThat(unhealthy.statusCode()).isEqualTo(503);
      assertThat(unhealthy.body()).startsWith("unhealthy\n").contains(follower.id() + " unhealthy STOPPED");
    }
  }
}
