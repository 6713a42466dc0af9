package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.Grant;
import io.tso4j.core.OracleStats;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TsoClock;
import io.tso4j.testkit.stress.History;
import io.tso4j.testkit.stress.HistoryChecker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer view of a node's clock rate on a real 3-node Raft cluster (docs/correctness.md C6): the leader's clocks
 * (monotonic and wall alike, as a whole machine running fast or slow) are switched to 1.3x (or 0.7x) the real rate; its peers' probes see
 * it, it stops serving, hands leadership away, and a healthy node serves, while client threads record every call for
 * the history checker. The control runs the leader at 1.0005x (above the 0.1 % tso4j assumes, far below the 5 %
 * bound) and sees no suspicion, with the probes running.
 */
@Tag("ratis")
@Timeout(90)
final class RatisClockRateIT {
  @TempDir
  Path dir;

  /**
   * Clocks whose rate can be changed while running: both run at {@code rate} × the system clocks from the moment of
   * the last change on, so they never step.
   */
  static final class RateClock implements TsoClock {
    private long realMono = System.nanoTime();
    private long valueMono = realMono;
    private long realWall = System.currentTimeMillis();
    private long valueWall = realWall;
    private double rate = 1.0;

    synchronized void rate(double r) {
      long m = System.nanoTime();
      long w = System.currentTimeMillis();
      valueMono = monoAt(m);
      valueWall = wallAt(w);
      realMono = m;
      realWall = w;
      rate = r;
    }

    private long monoAt(long real) {
      return valueMono + (long) ((real - realMono) * rate);
    }

    private long wallAt(long real) {
      return valueWall + (long) ((real - realWall) * rate);
    }

    @Override
    public synchronized long wallMillis() {
      return wallAt(System.currentTimeMillis());
    }

    @Override
    public synchronized long monoNanos() {
      return monoAt(System.nanoTime());
    }
  }

  /** Client threads that call whichever node serves and record every success (one monotonic clock: the JVM's). */
  private static final class Clients implements AutoCloseable {
    final History history = new History();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    final RatisTestCluster c;

    Clients(RatisTestCluster c, int n) {
      this.c = c;
      for (int i = 0; i < n; i++) {
        History.Recorder r = history.newRecorder(i);
        Thread t = new Thread(() -> run(r), "client-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    private void run(History.Recorder r) {
      int node = 0;
      while (!stop.get()) {
        long invoke = System.nanoTime();
        try {
          Grant g = c.oracle(node).allocate(4);
          r.record(invoke, System.nanoTime(), g.first(), g.count(), g.term(), History.Outcome.OK);
          // A few thousand calls a second per client: enough for order, bounded in memory.
          LockSupport.parkNanos(200_000);
        } catch (RefusedException e) {
          node = (node + 1) % c.size();
          Thread.onSpinWait();
        }
      }
    }

    HistoryChecker.Result stopAndCheck() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(5_000);
      }
      return HistoryChecker.check(history.snapshot());
    }

    @Override
    public void close() {
      stop.set(true);
    }
  }

  private static RatisTestCluster cluster(Path dir, RateClock[] clocks) throws Exception {
    RatisTestCluster c = RatisTestCluster.create(3, dir, 0);
    for (int i = 0; i < 3; i++) {
      clocks[i] = new RateClock();
      c.setClock(i, clocks[i]);
    }
    return c.startAll();
  }

  @Test
  void aLeaderWhoseClockRunsThirtyPercentFastIsSuspectStopsServingAndAHealthyNodeServes() throws Exception {
    suspectLeaderStepsDown(1.3);
  }

  @Test
  void aLeaderWhoseClockRunsThirtyPercentSlowIsSuspectStopsServingAndAHealthyNodeServes() throws Exception {
    suspectLeaderStepsDown(0.7);
  }

  /** Waits up to {@code seconds} for a node matching {@code eligible} to serve (a loaded machine starts slowly). */
  private static int awaitServing(RatisTestCluster c, IntPredicate eligible, int seconds) {
    int[] found = {-1};
    await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(10)).until(() -> {
      for (int i = 0; i < c.size(); i++) {
        if (c.isRunning(i) && eligible.test(i) && c.oracle(i).state().serving()) {
          found[0] = i;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  /** The rate in a refusal's reason ("clock suspect: monotonic rate 1.234x of peers ..."). */
  private static double shownRate(String message) {
    Matcher m = Pattern.compile("^clock suspect: monotonic rate (\\d+\\.\\d+)x of peers .+ \\(bound 5%\\)$")
        .matcher(message);
    assertThat(m.matches()).as("reason %s", message).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private void suspectLeaderStepsDown(double rate) throws Exception {
    RateClock[] clocks = new RateClock[3];
    try (RatisTestCluster c = cluster(dir, clocks); Clients clients = new Clients(c, 2)) {
      int old = awaitServing(c, i -> true, 30);
      long oldTerm = c.oracle(old).state().term();
      long start = System.nanoTime();
      clocks[old].rate(rate);

      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
          .until(() -> c.oracle(old).clockSuspect());
      long suspectAfter = System.nanoTime() - start;
      // The allocator closes at once; the published state follows on the leader watch's thread.
      await().atMost(Duration.ofSeconds(5)).until(() -> !c.oracle(old).state().serving());
      int next = awaitServing(c, i -> i != old, 20);
      long servingAfter = System.nanoTime() - start;
      assertThat(c.oracle(next).state().term()).isGreaterThan(oldTerm);
      RefusedException refused = catchThrowableOfType(RefusedException.class, () -> c.oracle(old).allocate(1));
      assertThat(refused).isNotNull();
      // The rate shown is the average over the window when the majority saw it: beyond the bound, towards the rate.
      double shown = shownRate(refused.getMessage());
      if (rate > 1) {
        assertThat(shown).isGreaterThan(1.05).isLessThanOrEqualTo(rate + 0.01);
      } else {
        assertThat(shown).isLessThan(1 / 1.05).isGreaterThanOrEqualTo(rate - 0.01);
      }
      // The healthy node keeps serving while the fast node stays suspect.
      Thread.sleep(1_500);
      HistoryChecker.Result r = clients.stopAndCheck();
      System.out.printf("rate %s: suspect after %d ms, healthy node %s serving after %d ms; %s%n", rate,
          suspectAfter / 1_000_000, c.id(next), servingAfter / 1_000_000, r);
      assertThat(r.violations()).as("%s", r).isZero();
      assertThat(r.checkedCalls()).isPositive();
      assertThat(c.oracle(old).clockSuspect()).isTrue();
      assertThat(c.oracle(old).state().serving()).as("still suspect, still not serving").isFalse();
      // Leadership may move again on a loaded machine; whoever leads now is a healthy node.
      assertThat(awaitServing(c, i -> true, 20)).isNotEqualTo(old);

      OracleStats bad = c.oracle(old).stats();
      assertThat(bad.clockSuspectEpisodes()).isEqualTo(1);
      assertThat(bad.clockSuspect()).isTrue();
      for (int i = 0; i < 3; i++) {
        if (i != old) {
          OracleStats good = c.oracle(i).stats();
          assertThat(good.clockSuspectEpisodes()).as("node %d", i).isZero();
          assertThat(good.peerClockDisagreements()).as("node %d sees one odd peer", i).isEqualTo(1);
        }
      }
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  @Test
  void aLeaderWhoseClockRunsFiveHundredthsOfAPercentFastIsNotSuspect() throws Exception {
    RateClock[] clocks = new RateClock[3];
    try (RatisTestCluster c = cluster(dir, clocks); Clients clients = new Clients(c, 2)) {
      int leader = awaitServing(c, i -> true, 30);
      long term = c.oracle(leader).state().term();
      clocks[leader].rate(1.0005);
      long samplesBefore = c.driver(leader).peerClockSamples();
      // Two windows: long enough for the fast case above to be flagged twice over.
      Thread.sleep(11_000);
      HistoryChecker.Result r = clients.stopAndCheck();
      assertThat(r.violations()).as("%s", r).isZero();
      assertThat(c.driver(leader).peerClockSamples() - samplesBefore).as("the probes ran: ~2 peers x 2/s x 11 s")
          .isGreaterThan(20);
      for (int i = 0; i < 3; i++) {
        assertThat(c.oracle(i).stats().clockSuspectEpisodes()).as("node %d", i).isZero();
        assertThat(c.oracle(i).stats().peerClockDisagreements()).as("node %d", i).isZero();
      }
      // On a loaded machine the leader may freeze or lose its term for other reasons; none of it is this check's.
      System.out.printf("control: leader %s term %d -> serving %s in term %d; %s%n", c.id(leader), term,
          c.oracle(leader).state().serving(), c.oracle(leader).state().term(), r);
      awaitServing(c, i -> true, 20);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }
}
