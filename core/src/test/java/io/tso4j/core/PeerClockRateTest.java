package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The peer-rate check on simulated clocks (docs/correctness.md C6): every node's monotonic clock is a rate times the
 * true time plus an origin of its own; probes go out every 500 ms and take a round trip of the given (random) length,
 * the peer reading its clock at a random point of it. Each test that expects no action has a positive control beside
 * it: the same setup with a clock far enough off is flagged.
 */
final class PeerClockRateTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long WINDOW = 5_000 * MS;
  private static final double BOUND = FenceConfig.PEER_CLOCK_RATE_BOUND_DEFAULT;

  /** One simulated node: rate and origin of its monotonic clock. */
  private record Node(String id, double rate, long origin) {
    long at(double trueNanos) {
      return origin + (long) (rate * trueNanos);
    }
  }

  /** Probes from {@code self} to each peer, every 500 ms of true time; round trips uniform in [minRtt, maxRtt]. */
  private static final class Sim {
    final Node self;
    final Map<String, Node> peers = new LinkedHashMap<>();
    final PeerClockRate check = new PeerClockRate(BOUND, WINDOW);
    final Random random = new Random(42);
    long minRtt = MS / 5;
    long maxRtt = MS;
    double t = 1_000_000 * MS;
    final List<PeerClockRate.Verdict> changes = new ArrayList<>();
    long suspectAtNanos = -1;
    double start = t;

    Sim(double selfRate, double... peerRates) {
      self = new Node("n1", selfRate, 7_000_000_000L);
      for (int i = 0; i < peerRates.length; i++) {
        String id = "n" + (i + 2);
        peers.put(id, new Node(id, peerRates[i], -(i + 1) * 123_456_789_000L));
      }
    }

    Set<String> voters() {
      return peers.keySet();
    }

    /** Runs {@code seconds} of true time; returns the last verdict. */
    PeerClockRate.Verdict run(double seconds) {
      return run(seconds, Set.copyOf(peers.keySet()));
    }

    PeerClockRate.Verdict run(double seconds, Set<String> reachable) {
      PeerClockRate.Verdict last = null;
      double end = t + seconds * 1e9;
      while (t < end) {
        for (Node p : peers.values()) {
          if (!reachable.contains(p.id())) {
            continue;
          }
          long rtt = minRtt + (long) (random.nextDouble() * (maxRtt - minRtt));
          double readAt = t + random.nextDouble() * rtt;
          PeerClockSample s = new PeerClockSample(p.id(), 1, self.at(t), p.at(readAt), self.at(t + rtt),
              Set.copyOf(peers.keySet()));
          last = check.observe(s);
          if (last.changed()) {
            changes.add(last);
            if (last.suspect() && suspectAtNanos < 0) {
              suspectAtNanos = (long) (t - start);
            }
          }
          t += MS;
        }
        t += 500 * MS - peers.size() * MS;
      }
      return last;
    }
  }

  @Test
  void equalRatesAreNeverSuspectAndAgree() {
    Sim sim = new Sim(1.0, 1.0, 1.0);
    PeerClockRate.Verdict v = sim.run(30);
    assertThat(sim.changes).isEmpty();
    assertThat(v.estimates()).extracting(PeerClockRate.Estimate::agreement)
        .containsOnly(PeerClockRate.Agreement.AGREE);
    assertThat(v.estimates()).allSatisfy(e -> assertThat(e.ratio()).isBetween(0.9999, 1.0001));
    assertThat(sim.check.peerDisagreements()).isZero();
  }

  @Test
  void aDriftOfOneTenthOfAPercentChangesNothing() {
    Sim sim = new Sim(1.001, 1.0, 1.0);
    PeerClockRate.Verdict v = sim.run(30);
    assertThat(sim.changes).isEmpty();
    assertThat(v.estimates()).allSatisfy(e -> assertThat(e.ratio()).isBetween(1.0008, 1.0012));
    assertThat(sim.check.peerDisagreements()).isZero();
  }

  @Test
  void aClockThirtyPercentFastIsSuspectWithinAboutOneWindow() {
    Sim sim = new Sim(1.3, 1.0, 1.0);
    PeerClockRate.Verdict v = sim.run(10);
    assertThat(v.suspect()).isTrue();
    assertThat(sim.changes).hasSize(1);
    assertThat(v.reason()).isEqualTo("monotonic rate 1.300x of peers n2, n3 (bound 5%)");
    // The samples must span 80 % of the window (our clock, 1.3x fast: 4 s of ours is ~3.1 s of true time).
    assertThat(sim.suspectAtNanos).isBetween(3_000 * MS, 5_500 * MS);
    assertThat(sim.check.episodes()).isEqualTo(1);
    assertThat(sim.check.peerDisagreements()).as("a majority is not a minority disagreement").isZero();
  }

  @Test
  void aClockThirtyPercentSlowIsSuspect() {
    Sim sim = new Sim(0.7, 1.0, 1.0);
    PeerClockRate.Verdict v = sim.run(10);
    assertThat(v.suspect()).isTrue();
    assertThat(v.reason()).startsWith("monotonic rate 0.700x of peers n2, n3");
    assertThat(sim.check.episodes()).isEqualTo(1);
  }

  @Test
  void oneBadPeerOfTwoIsThePeersProblemNotOurs() {
    Sim sim = new Sim(1.0, 1.0, 1.3);
    PeerClockRate.Verdict v = sim.run(20);
    assertThat(sim.changes).isEmpty();
    assertThat(v.suspect()).isFalse();
    assertThat(sim.check.peerDisagreements()).as("counted once, for n3").isEqualTo(1);
    // Positive control: the bad peer's own view of the same cluster flags it.
    Sim bad = new Sim(1.3, 1.0, 1.0);
    assertThat(bad.run(20).suspect()).isTrue();
  }

  @Test
  void opposingPeersAreNoMajorityInOneDirection() {
    // Our clock sits between a slow and a fast peer: each disagrees, but in opposite directions.
    Sim sim = new Sim(1.0, 0.7, 1.3);
    assertThat(sim.run(20).suspect()).isFalse();
    assertThat(sim.check.peerDisagreements()).isEqualTo(2);
  }

  @Test
  void noisyRoundTripsNeitherFlagAGoodClockNorHideABadOne() {
    Sim good = new Sim(1.0, 1.0, 1.0);
    good.minRtt = MS;
    good.maxRtt = 200 * MS;
    good.run(60);
    assertThat(good.changes).isEmpty();
    Sim bad = new Sim(1.3, 1.0, 1.0);
    bad.minRtt = MS;
    bad.maxRtt = 200 * MS;
    assertThat(bad.run(20).suspect()).as("positive control").isTrue();
  }

  @Test
  void roundTripsTooLongForTheBoundConcludeNothing() {
    // 1.5 s round trips against a 5 s window: the interval reaches below the bound, so even a 1.3x clock is not
    // concluded on.
    Sim sim = new Sim(1.3, 1.0, 1.0);
    sim.minRtt = 1_500 * MS;
    sim.maxRtt = 1_600 * MS;
    PeerClockRate.Verdict v = sim.run(30);
    assertThat(v.suspect()).isFalse();
    assertThat(v.estimates()).extracting(PeerClockRate.Estimate::agreement)
        .containsOnly(PeerClockRate.Agreement.UNKNOWN);
  }

  @Test
  void roundTripsTooLongToTellAClockJustBeyondTheBoundConcludeNothing() {
    // 1.06x with round trips of 150-200 ms: the interval [~1.02, ~1.10] straddles the bound: no conclusion.
    Sim noisy = new Sim(1.06, 1.0, 1.0);
    noisy.minRtt = 150 * MS;
    noisy.maxRtt = 200 * MS;
    assertThat(noisy.run(30).suspect()).isFalse();
    assertThat(noisy.changes).isEmpty();
    // Positive control: the same clock with short round trips is flagged.
    Sim quiet = new Sim(1.06, 1.0, 1.0);
    assertThat(quiet.run(30).suspect()).isTrue();
  }

  @Test
  void theBoundIsTheBoundary() {
    Sim inside = new Sim(1.04, 1.0, 1.0);
    assertThat(inside.run(30).suspect()).isFalse();
    assertThat(inside.changes).isEmpty();
    Sim outside = new Sim(1.06, 1.0, 1.0);
    assertThat(outside.run(30).suspect()).isTrue();
    Sim slowInside = new Sim(1 / 1.04, 1.0, 1.0);
    assertThat(slowInside.run(30).suspect()).isFalse();
    Sim slowOutside = new Sim(1 / 1.06, 1.0, 1.0);
    assertThat(slowOutside.run(30).suspect()).isTrue();
  }

  @Test
  void aClockBackInStepRecoversAfterAboutOneWindow() {
    Sim sim = new Sim(1.3, 1.0, 1.0);
    assertThat(sim.run(10).suspect()).isTrue();
    // The clock is fixed: from now on it runs at the true rate (a new origin keeps it monotonic).
    double t = sim.t;
    Node fixed = new Node("n1", 1.0, sim.self.at(t) - (long) t + 1);
    // Continue the same check with the fixed clock.
    PeerClockRate.Verdict v = null;
    double fixedAt = t;
    double clearedAt = -1;
    for (int i = 0; i < 40 && clearedAt < 0; i++) {
      for (Node p : sim.peers.values()) {
        long rtt = MS / 2;
        v = sim.check.observe(new PeerClockSample(p.id(), 1, fixed.at(t), p.at(t + rtt / 2.0), fixed.at(t + rtt),
            sim.voters()));
        if (v.changed() && !v.suspect()) {
          clearedAt = t;
        }
        t += MS;
      }
      t += 498 * MS;
    }
    assertThat(clearedAt).as("recovered").isPositive();
    assertThat((clearedAt - fixedAt) / 1e9).as("seconds to recover").isBetween(3.0, 6.0);
    assertThat(sim.check.episodes()).isEqualTo(1);
  }

  @Test
  void twoVotersCannotTellWhoseClockIsWrong() {
    Sim sim = new Sim(1.3, 1.0);
    assertThat(sim.run(20).suspect()).isFalse();
    assertThat(sim.check.peerDisagreements()).isEqualTo(1);
  }

  @Test
  void aPeerThatIsDownGivesNoSampleAndOneDisagreeingPeerIsNotAMajority() {
    Sim sim = new Sim(1.3, 1.0, 1.0);
    assertThat(sim.run(20, Set.of("n2")).suspect()).isFalse();
    // Positive control: once n3 answers again, the majority is there.
    assertThat(sim.run(10).suspect()).isTrue();
  }

  @Test
  void fiveVotersNeedThreeOfTheFourOthers() {
    Sim two = new Sim(1.3, 1.0, 1.0, 1.3, 1.3);
    assertThat(two.run(20).suspect()).isFalse();
    Sim three = new Sim(1.3, 1.0, 1.0, 1.0, 1.3);
    assertThat(three.run(20).suspect()).isTrue();
  }

  @Test
  void aRestartedPeerStartsANewSeriesInsteadOfLookingLikeAJump() {
    Sim sim = new Sim(1.0, 1.0, 1.0);
    sim.run(10);
    // n2 and n3 restart: new processes, new origins of their monotonic clocks.
    Map<String, Node> restarted = new LinkedHashMap<>();
    for (Node p : sim.peers.values()) {
      restarted.put(p.id(), new Node(p.id(), p.rate(), p.origin() - 999_000_000_000L));
    }
    double t = sim.t;
    for (int i = 0; i < 40; i++) {
      for (Node p : restarted.values()) {
        PeerClockRate.Verdict v = sim.check.observe(new PeerClockSample(p.id(), 2, sim.self.at(t), p.at(t + MS / 4.0),
            sim.self.at(t + MS / 2.0), sim.voters()));
        assertThat(v.changed()).isFalse();
        t += MS;
      }
      t += 498 * MS;
    }
    assertThat(sim.check.peerDisagreements()).isZero();
  }

  @Test
  void percentDropsTrailingZeros() {
    assertThat(PeerClockRate.percent(0.05)).isEqualTo("5");
    assertThat(PeerClockRate.percent(0.125)).isEqualTo("12.5");
  }
}
