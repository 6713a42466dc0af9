package io.tso4j.examples.standaloneclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TsoException;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TsoNode;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client app against a real 3-node cluster (in-process {@link TsoNode}s on loopback), then with it down. */
@Tag("ratis")
@Timeout(60)
final class StampingServiceTest {
  @TempDir
  Path dir;

  @Test
  void batchesAsyncCallsAndAnOutage() throws Exception {
    List<PeerSpec> peers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      peers.add(new PeerSpec("n" + i, "127.0.0.1", freePort(), freePort()));
    }
    List<TsoNode> nodes = new ArrayList<>();
    try {
      for (PeerSpec p : peers) {
        nodes.add(TsoNode.start(new TsoNode.Config(p.id(), peers, "127.0.0.1", p.clientPort(),
            dir.resolve(p.id()), Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(),
            TsoClock.system()), e -> { }));
      }
      List<String> endpoints = peers.stream().map(PeerSpec::clientEndpoint).toList();
      try (StampingService service = new StampingService(endpoints, Duration.ofSeconds(10))) {
        List<StampingService.Stamped> batch = service.stampBatch(List.of("r1", "r2", "r3", "r4"));
        assertThat(batch).extracting(StampingService.Stamped::record).containsExactly("r1", "r2", "r3", "r4");
        for (int i = 1; i < batch.size(); i++) {
          assertThat(batch.get(i).ts()).isGreaterThan(batch.get(i - 1).ts());
        }
        Timestamp async = service.timestampAsync().get(10, TimeUnit.SECONDS);
        assertThat(async).isGreaterThan(batch.get(3).ts());
        assertThat(service.tryTimestamp().orElseThrow()).isGreaterThan(async);
      }

      nodes.forEach(TsoNode::close);
      try (StampingService down = new StampingService(endpoints, Duration.ofMillis(500))) {
        long t0 = System.nanoTime();
        assertThat(down.tryTimestamp()).isEmpty();
        assertThatThrownBy(() -> down.stampBatch(List.of("x"))).isInstanceOf(TsoException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      }
    } finally {
      nodes.forEach(TsoNode::close);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
