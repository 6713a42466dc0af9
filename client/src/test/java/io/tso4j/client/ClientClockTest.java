package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.internal.ManualTime;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A whole client on a manual clock: deadlines pass when the test says, not when the wall clock does. */
final class ClientClockTest {
  @Test
  void aCallFailsAtItsDeadlineOnTheClientsClock() throws Exception {
    ManualTime time = new ManualTime();
    try (FakeOracle silent = new FakeOracle(req -> null);
        TsoClient client = TsoClient.newBuilder().endpoints(silent.endpoint()).callTimeout(Duration.ofSeconds(30))
            .attemptTimeout(Duration.ofSeconds(60)).clock(time, time).build()) {
      CompletableFuture<Timestamp> call = client.getTimestampAsync();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> silent.calls() == 1);

      time.advance(TimeUnit.SECONDS.toNanos(29));
      assertThat(call).as("29 s on the client's clock").isNotDone();
      time.advance(TimeUnit.SECONDS.toNanos(2));

      assertThat(call).isCompletedExceptionally();
      assertThat(call.handle((t, e) -> e.getCause()).join()).isInstanceOf(TsoDeadlineExceededException.class)
          .hasMessageContaining("PT30S");
    }
  }
}
