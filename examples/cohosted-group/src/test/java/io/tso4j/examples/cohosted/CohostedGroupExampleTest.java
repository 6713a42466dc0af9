package io.tso4j.examples.cohosted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.examples.piggybackkv.KvNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The KV app with the TSO as a second group: stamps keep increasing when the TSO leader's server dies. */
@Tag("ratis")
@Timeout(60)
final class CohostedGroupExampleTest {
  @TempDir
  Path dir;

  @Test
  void stampsKeepIncreasingWhenTheTsoLeadersServerDies() throws Exception {
    try (CohostedKvApp app = CohostedKvApp.start(dir)) {
      List<Long> stamps = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        stamps.add(app.put("a" + i, "v", 15_000));
      }
      int tsoLeader = -1;
      for (int i = 0; i < 3; i++) {
        if (app.cluster().node(i).tso().oracle().state().serving()) {
          tsoLeader = i;
        }
      }
      assertThat(tsoLeader).isNotNegative();
      String deadEndpoint = app.endpoints().get(tsoLeader);
      app.cluster().kill(tsoLeader);
      for (int i = 0; i < 10; i++) {
        stamps.add(app.put("b" + i, "v", 15_000));
      }
      for (int i = 1; i < stamps.size(); i++) {
        assertThat(stamps.get(i)).isGreaterThan(stamps.get(i - 1));
      }
      KvNode kvLeader = app.cluster().awaitLeader(5_000);
      assertThat(kvLeader.store().entries()).hasSize(20);

      // Unhappy path: a client that only knows the dead node fails within its deadline.
      try (TsoClient lonely = TsoClient.newBuilder().endpoints(deadEndpoint).callTimeout(Duration.ofMillis(500))
          .build()) {
        long t0 = System.nanoTime();
        assertThatThrownBy(lonely::getTimestamp).isInstanceOf(TsoException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
      }
    }
  }
}
