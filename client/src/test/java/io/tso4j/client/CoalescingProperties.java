package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Coalescing against a fake server on 127.0.0.1 that holds every request until all callers have called (a gate, not
 * a sleep): whatever the mix of concurrent callers, no request exceeds 262,144, every caller gets exactly its own
 * count, nothing overlaps, and nothing is dropped (the server handed out exactly what the callers got).
 */
final class CoalescingProperties {
  private static final long PHYSICAL = 1_700_000_000_000L;

  @Property(tries = 15)
  void everyCallerGetsExactlyItsOwnTimestamps(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 1, max = 262_144) Integer> counts,
      @ForAll @IntRange(min = 1, max = 4) int maxInFlight) throws Exception {
    List<Integer> requested = new CopyOnWriteArrayList<>();
    Function<GetTimestampRequest, GetTimestampResponse> serving = FakeOracle.serving(1, PHYSICAL);
    CountDownLatch gate = new CountDownLatch(1);
    try (FakeOracle fake = new FakeOracle(req -> {
      requested.add(req.getCount());
      await(gate);
      return serving.apply(req);
    }); TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(Duration.ofSeconds(20))
        .maxRequestsInFlight(maxInFlight).build()) {
      List<CompletableFuture<TimestampRange>> calls = new ArrayList<>();
      for (int c : counts) {
        calls.add(client.getTimestampsAsync(c));
      }
      gate.countDown();
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

      assertThat(requested).allSatisfy(n -> assertThat(n).isBetween(1, TsoClient.MAX_COUNT));
      long asked = 0;
      List<long[]> ranges = new ArrayList<>();
      for (int i = 0; i < counts.size(); i++) {
        TimestampRange r = calls.get(i).join();
        assertThat(r.count()).isEqualTo(counts.get(i));
        ranges.add(new long[] {r.first().toLong(), r.last().toLong()});
        asked += counts.get(i);
      }
      ranges.sort((a, b) -> Long.compare(a[0], b[0]));
      for (int i = 1; i < ranges.size(); i++) {
        assertThat(ranges.get(i)[0]).as("ranges overlap").isGreaterThan(ranges.get(i - 1)[1]);
      }
      assertThat(requested.stream().mapToLong(Integer::longValue).sum()).as("nothing handed out but not returned")
          .isEqualTo(asked);
      assertThat(client.orderViolations()).isZero();
    }
  }

  @Property(tries = 5)
  void callersThatArriveDuringARequestShareTheNext(@ForAll @IntRange(min = 20, max = 200) int callers)
      throws Exception {
    List<Integer> requested = new CopyOnWriteArrayList<>();
    Function<GetTimestampRequest, GetTimestampResponse> serving = FakeOracle.serving(1, PHYSICAL);
    CountDownLatch gate = new CountDownLatch(1);
    try (FakeOracle fake = new FakeOracle(req -> {
      requested.add(req.getCount());
      await(gate);
      return serving.apply(req);
    }); TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      List<CompletableFuture<Timestamp>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        calls.add(client.getTimestampAsync());
      }
      gate.countDown();
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

      assertThat(requested.size()).as("requests for %d callers", callers).isLessThan(callers / 2);
      assertThat(requested.stream().mapToInt(Integer::intValue).sum()).isEqualTo(callers);
    }
  }

  /** Holds a request until the test has made all its calls (bounded: never hangs a test). */
  static void await(CountDownLatch gate) {
    try {
      if (!gate.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never opened the gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
