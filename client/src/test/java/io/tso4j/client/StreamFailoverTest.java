package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The stream dispatcher's self-healing and order guard on batches, against fake servers on 127.0.0.1. */
final class StreamFailoverTest {
  private static final long PHYSICAL = 1_700_000_000_000L;

  @Test
  void aStreamThatDiesIsRebuiltAndItsCallersRetried() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    Function<GetTimestampRequest, GetTimestampResponse> serving = FakeOracle.serving(1, PHYSICAL);
    try (FakeOracle fake = new FakeOracle(req -> {
      if (seen.incrementAndGet() % 3 == 1) {
        throw Status.UNAVAILABLE.withDescription("stream broken on purpose").asRuntimeException();
      }
      return serving.apply(req);
    }); TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(Duration.ofSeconds(10))
        .build()) {
      Timestamp last = null;
      for (int i = 0; i < 10; i++) {
        Timestamp t = client.getTimestamp();
        if (last != null) {
          assertThat(t).isGreaterThan(last);
        }
        last = t;
      }
      assertThat(seen.get()).isGreaterThan(10);
    }
  }

  @Test
  void callersInFlightOnADeadStreamGoToTheNextEndpoint() throws Exception {
    try (FakeOracle good = new FakeOracle(FakeOracle.serving(1, PHYSICAL));
        FakeOracle dying = new FakeOracle(req -> {
          throw Status.UNAVAILABLE.withDescription("going away").asRuntimeException();
        });
        TsoClient client = TsoClient.newBuilder().endpoints(dying.endpoint(), good.endpoint())
            .maxRequestsInFlight(4).build()) {
      List<CompletableFuture<TimestampRange>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(client.getTimestampsAsync(1 + i % 3));
      }
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);

      assertThat(calls).allSatisfy(c -> assertThat(c.join().first().physicalMillis()).isGreaterThanOrEqualTo(
          PHYSICAL));
      assertThat(dying.calls()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void aBatchWithAnOldValueFailsEveryCallerOfThatBatchAndIsCounted() throws Exception {
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(4, PHYSICAL));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      Timestamp good = client.getTimestamp();
      assertThat(client.orderViolations()).as("positive control: a good server").isZero();
      CountDownLatch gate = new CountDownLatch(1);
      fake.answerWith(req -> {
        CoalescingProperties.await(gate);
        return FakeOracle.response(good.toLong(), req.getCount(), 4, req.getRequestId());
      });
      List<CompletableFuture<Timestamp>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(client.getTimestampAsync());
      }
      gate.countDown();

      for (CompletableFuture<Timestamp> c : calls) {
        assertThatThrownBy(c::join).hasCauseInstanceOf(TsoOrderViolationException.class);
      }
      assertThat(client.orderViolations()).isBetween(1L, 20L);
    }
  }

  @Test
  void aBlockingCallInsideAContinuationDoesNotWaitForItsOwnDelivery() throws Exception {
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, PHYSICAL));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(Duration.ofSeconds(3))
            .build()) {
      long start = System.nanoTime();
      Timestamp inner = client.getTimestampAsync().thenApply(t -> client.getTimestamp()).get(10, TimeUnit.SECONDS);

      assertThat(inner.physicalMillis()).isGreaterThan(PHYSICAL);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void closeFailsWaitingCallersPromptly() throws Exception {
    FakeOracle silent = new FakeOracle(req -> null);
    TsoClient client = TsoClient.newBuilder().endpoints(silent.endpoint()).callTimeout(Duration.ofSeconds(30))
        .build();
    try {
      List<CompletableFuture<Timestamp>> calls = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        calls.add(client.getTimestampAsync());
      }
      long start = System.nanoTime();
      client.close();

      for (CompletableFuture<Timestamp> c : calls) {
        assertThatThrownBy(() -> c.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TsoUnavailableException.class);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      silent.close();
    }
  }

}
