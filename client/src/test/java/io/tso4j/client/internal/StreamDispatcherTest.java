package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.LeaderHint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The stream dispatcher driven by hand (no network, no sleeping): coalescing, the 262,144 split, the division of a
 * response among its batch, the adaptive pipelining, deadline sweeping, hint terms and the silent-leader watch.
 */
final class StreamDispatcherTest {
  private static final List<String> ONE = List.of("a:1");
  private static final List<String> THREE = List.of("a:1", "b:1", "c:1");

  @Test
  void callersThatArriveWhileARequestIsOutJoinTheNextAndEachGetsExactlyItsPart() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1)) {
      CompletableFuture<TimestampRange> first = h.call(1);
      FakeTransport.Stream s = h.transport.last();
      assertThat(s.sent()).extracting(GetTimestampRequest::getCount).containsExactly(1);
      List<CompletableFuture<TimestampRange>> later = new ArrayList<>();
      for (int c = 1; c <= 5; c++) {
        later.add(h.call(c));
      }
      assertThat(s.sent()).as("nothing more while the first is out (k = 1)").hasSize(1);

      h.answer(s, 0, 1);

      assertThat(first.join().count()).isEqualTo(1);
      assertThat(s.sent()).extracting(GetTimestampRequest::getCount).containsExactly(1, 15);
      h.answer(s, 1, 1);
      long expected = later.get(0).join().first().toLong();
      for (int c = 1; c <= 5; c++) {
        TimestampRange r = later.get(c - 1).join();
        assertThat(r.count()).isEqualTo(c);
        assertThat(r.first().toLong()).as("caller %d's part starts after the earlier callers'", c)
            .isEqualTo(expected);
        expected += c;
      }
      assertThat(h.guard.violations()).isZero();
    }
  }

  @Test
  void aRequestNeverAsksForMoreThan262144() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1)) {
      h.call(1);
      FakeTransport.Stream s = h.transport.last();
      CompletableFuture<TimestampRange> big = h.call(200_000);
      CompletableFuture<TimestampRange> mid = h.call(100_000);
      CompletableFuture<TimestampRange> small = h.call(50_000);

      h.answer(s, 0, 1);
      assertThat(s.sent().get(1).getCount()).as("100,000 more would pass 262,144").isEqualTo(200_000);
      h.answer(s, 1, 1);
      assertThat(s.sent().get(2).getCount()).isEqualTo(150_000);
      h.answer(s, 2, 1);

      assertThat(big.join().count()).isEqualTo(200_000);
      assertThat(mid.join().count()).isEqualTo(100_000);
      assertThat(small.join().count()).isEqualTo(50_000);
      assertThat(s.sent()).allSatisfy(r -> assertThat(r.getCount()).isLessThanOrEqualTo(WireKeys.MAX_COUNT));
    }
  }

  /**
   * A closed loop of 1,000 callers whose continuations each take {@code perCallerNanos} of (manual) time, against a
   * 100 µs round trip. Returns how many requests went out while the big response was being handed out.
   */
  private static int sentDuringAHandOut(int maxInFlight, long perCallerNanos) {
    try (DispatcherHarness h = new DispatcherHarness(ONE, maxInFlight)) {
      long rtt = TimeUnit.MICROSECONDS.toNanos(100);
      // Warm-up: one call teaches the round trip and the per-caller cost; a second one is out while the 1,000
      // callers arrive, so they queue and go out together when it is answered.
      h.call(1).thenRun(() -> h.time.spend(perCallerNanos));
      FakeTransport.Stream s = h.transport.last();
      h.time.spend(rtt);
      h.answer(s, 0, 1);
      h.call(1).thenRun(() -> h.time.spend(perCallerNanos));
      List<CompletableFuture<TimestampRange>> second = new ArrayList<>();
      List<CompletableFuture<TimestampRange>> firstRound = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        CompletableFuture<TimestampRange> f = h.call(1);
        firstRound.add(f);
        f.thenRun(() -> {
          h.time.spend(perCallerNanos);
          second.add(h.call(1));
        });
      }
      assertThat(s.sent()).as("the 1,000 wait for the warm-up request").hasSize(2);
      h.time.spend(rtt);
      h.answer(s, 1, 1);
      int batchIndex = s.sent().size() - 1;
      assertThat(s.sent().get(batchIndex).getCount()).isEqualTo(1000);
      h.time.spend(rtt);
      int before = s.sent().size();
      AtomicInteger sentWhenLastWasHandedOut = new AtomicInteger();
      firstRound.get(999).thenRun(() -> sentWhenLastWasHandedOut.set(s.sent().size()));

      h.answer(s, batchIndex, 1);

      int during = sentWhenLastWasHandedOut.get() - before;
      // Answer everything still out, in order, so that every caller completes; then check the order of results.
      for (int i = batchIndex + 1; i < s.sent().size(); i++) {
        h.answer(s, i, 1);
      }
      assertThat(second).hasSize(1000).allSatisfy(f -> assertThat(f).isCompleted());
      for (int i = 0; i < 1000; i++) {
        assertThat(second.get(i).join().first()).isGreaterThan(firstRound.get(i).join().first());
      }
      assertThat(s.sent()).allSatisfy(r -> assertThat(r.getCount()).isPositive());
      assertThat(h.guard.violations()).isZero();
      return during;
    }
  }

  @Test
  void whenHandingOutOutlastsTheRoundTripTheCallersAlreadyServedGoOutDuringIt() {
    // 1,000 callers x 1 us = 1 ms of hand-out against a 100 us round trip.
    assertThat(sentDuringAHandOut(2, TimeUnit.MICROSECONDS.toNanos(1))).isBetween(1, 2);
  }

  @Test
  void whenHandingOutIsShorterThanTheRoundTripOneRequestAtATime() {
    // Positive control: 1,000 callers x 50 ns = 50 us of hand-out, shorter than the round trip.
    assertThat(sentDuringAHandOut(2, 50)).isZero();
  }

  @Test
  void aCallerWhoseDeadlinePassesFailsAtItsDeadlineNotBefore() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1, Duration.ofSeconds(10))) {
      CompletableFuture<TimestampRange> f = h.call(1);

      h.time.advance(TimeUnit.MILLISECONDS.toNanos(4_990));
      assertThat(f).isNotDone();
      h.time.advance(TimeUnit.MILLISECONDS.toNanos(20));

      assertThat(f).isCompletedExceptionally();
      assertThat(f.handle((r, e) -> e.getCause() == null ? e : e.getCause()).join())
          .isInstanceOf(TsoDeadlineExceededException.class).hasMessageContaining("within PT5S");
    }
  }

  @Test
  void aRequestUnansweredForTheAttemptTimeoutMovesToTheNextEndpoint() {
    try (DispatcherHarness h = new DispatcherHarness(THREE, 1, Duration.ofMillis(200))) {
      CompletableFuture<TimestampRange> f = h.call(3);
      FakeTransport.Stream a = h.transport.last();

      h.time.advance(TimeUnit.MILLISECONDS.toNanos(210));

      assertThat(a.cancelled).isEqualTo("attempt timed out");
      FakeTransport.Stream next = h.transport.last();
      assertThat(next.endpoint()).isEqualTo("b:1");
      assertThat(next.sent()).extracting(GetTimestampRequest::getCount).as("the request is sent again")
          .containsExactly(3);
      h.answer(next, 0, 1);
      assertThat(f.join().count()).isEqualTo(3);
    }
  }

  @Test
  void aLoneEndpointThatTimedOutIsTriedAgainAfterTheBackoff() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1, Duration.ofMillis(200))) {
      CompletableFuture<TimestampRange> f = h.call(2);
      FakeTransport.Stream first = h.transport.last();

      h.time.advance(TimeUnit.MILLISECONDS.toNanos(210));
      assertThat(first.cancelled).isEqualTo("attempt timed out");
      h.time.advance(TimeUnit.MILLISECONDS.toNanos(25));

      FakeTransport.Stream again = h.transport.last();
      assertThat(again).isNotSameAs(first);
      assertThat(h.rebootstrap.count()).as("a timeout-only round keeps the channels once").isZero();
      assertThat(again.endpoint()).isEqualTo("a:1");
      assertThat(again.sent()).extracting(GetTimestampRequest::getCount).containsExactly(2);
      h.answer(again, 0, 1);
      assertThat(f.join().count()).isEqualTo(2);
    }
  }

  @Test
  void aSecondTimeoutOnlyRoundAndAnyRefusedRoundReBootstrap() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1, Duration.ofMillis(200))) {
      h.call(1);
      h.time.advance(TimeUnit.MILLISECONDS.toNanos(235));
      assertThat(h.rebootstrap.count()).isZero();

      h.time.advance(TimeUnit.MILLISECONDS.toNanos(235));

      assertThat(h.rebootstrap.count()).as("the second timeout-only round").isEqualTo(1);
    }
    try (DispatcherHarness h = new DispatcherHarness(ONE, 1)) {
      h.call(1);
      FakeTransport.Stream s = h.transport.last();
      s.listener.onClosed(s, Status.UNAVAILABLE.withDescription("io exception")
          .withCause(new java.net.ConnectException("Connection refused")), new Metadata());

      assertThat(h.rebootstrap.count()).as("a refused connection").isEqualTo(1);
    }
  }

  private static void refuse(FakeTransport.Stream s, String leaderEndpoint, long term) {
    Metadata trailers = new Metadata();
    trailers.put(WireKeys.LEADER_HINT, LeaderHint.newBuilder().setId("n-" + leaderEndpoint)
        .setEndpoint(leaderEndpoint).setTerm(term).build());
    s.listener.onClosed(s, Status.UNAVAILABLE.withDescription("not the leader"), trailers);
  }

  @Test
  void aHintOlderThanTheKnownTermIsNotFollowed() {
    try (DispatcherHarness h = new DispatcherHarness(THREE, 1)) {
      h.leaders.offerHint(5, "n-a", "a:1");
      h.call(1);
      FakeTransport.Stream a = h.transport.last();

      refuse(a, "c:1", 4);

      assertThat(h.transport.last().endpoint()).as("the next member, not the stale hint").isEqualTo("b:1");
    }
  }

  @Test
  void aHintOfANewerTermIsFollowedAtOnce() {
    // Positive control of the test above.
    try (DispatcherHarness h = new DispatcherHarness(THREE, 1)) {
      h.leaders.offerHint(5, "n-a", "a:1");
      h.call(1);

      refuse(h.transport.last(), "c:1", 6);

      assertThat(h.transport.last().endpoint()).isEqualTo("c:1");
      assertThat(h.transport.last().sent()).hasSize(1);
    }
  }

  /** A served stream to a:1 in term 1, then a request a:1 never answers, and b:1 polled after the silence. */
  private static FakeTransport.Poll silentLeader(DispatcherHarness h) {
    h.call(1);
    FakeTransport.Stream a = h.transport.last();
    h.answer(a, 0, 1);
    h.call(1);
    h.time.advance(TimeUnit.MILLISECONDS.toNanos(120));
    assertThat(h.transport.polls).as("one poll after 100 ms of silence").hasSize(1);
    return h.transport.lastPoll();
  }

  @Test
  void aSilentLeaderIsLeftOnceAnotherMemberNamesANewerOne() {
    try (DispatcherHarness h = new DispatcherHarness(THREE, 1)) {
      FakeTransport.Poll poll = silentLeader(h);
      FakeTransport.Stream a = h.transport.last();
      assertThat(poll.endpoint()).isNotEqualTo("a:1");

      poll.answer(GetMembersResponse.newBuilder().setLeader(LeaderHint.newBuilder().setId("n3")
          .setEndpoint("c:1").setTerm(2)).build());

      assertThat(a.cancelled).isEqualTo("a newer leader is known");
      assertThat(h.transport.last().endpoint()).isEqualTo("c:1");
      assertThat(h.transport.last().sent()).hasSize(1);
    }
  }

  @Test
  void aSlowLeaderThatIsStillTheLeaderIsKept() {
    // Positive control of the test above: the member names the same leader and term.
    try (DispatcherHarness h = new DispatcherHarness(THREE, 1)) {
      FakeTransport.Poll poll = silentLeader(h);
      FakeTransport.Stream a = h.transport.last();

      poll.answer(GetMembersResponse.newBuilder().setLeader(LeaderHint.newBuilder().setId("n1")
          .setEndpoint("a:1").setTerm(1)).build());

      assertThat(a.cancelled).isNull();
      assertThat(h.transport.streams).hasSize(1);
    }
  }

  @Test
  void closeFailsEveryWaitingCaller() {
    try (DispatcherHarness h = new DispatcherHarness(ONE, 2)) {
      List<CompletableFuture<TimestampRange>> calls = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        calls.add(h.call(1));
      }

      h.dispatcher.close();

      assertThat(calls).allSatisfy(c -> assertThat(c.handle((r, e) -> e).join())
          .isInstanceOf(TsoUnavailableException.class).hasMessageContaining("closed"));
      assertThat(h.transport.last().cancelled).isEqualTo("the client is closed");
    }
  }
}
