package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A measurement harness for what one failover costs the client: a {@link FakeCluster} whose leader n1 dies (killed:
 * its port closes; or hung: it never answers), whose followers keep pointing at n1 for an "election" of 300 ms, after
 * which n2 leads term 2, fences for 150 ms (answering with a hint naming itself) and then serves. Four closed-loop
 * callers run throughout. It prints the RPCs every node received from the death of n1 to the first served call and
 * the lag between n2 starting to serve and the client's first timestamp from it.
 *
 * <p>The phases run in real time (the servers' side of a failover is what is simulated), so the figures are
 * measurements, not assertions; the assertions are about correctness only: no call fails, every call's timestamps
 * are above those of the calls that completed before it started.
 */
@Timeout(60)
final class FailoverCostTest {
  private static final long ELECTION_MILLIS = 300;
  private static final long FENCE_MILLIS = 150;
  private static final int CALLERS = 4;

  @Test
  void aKilledLeader() throws Exception {
    measure("killed", false);
  }

  @Test
  void aHungLeader() throws Exception {
    measure("hung", true);
  }

  private static void measure(String how, boolean hang) throws Exception {
    try (FakeCluster cluster = new FakeCluster();
        TsoClient client = TsoClient.newBuilder().endpoints(cluster.endpoints()).callTimeout(Duration.ofSeconds(10))
            .build()) {
      for (int i = 0; i < 20; i++) {
        client.getTimestamp();
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger failed = new AtomicInteger();
      AtomicLong served = new AtomicLong();
      ConcurrentLinkedQueue<Long> successNanos = new ConcurrentLinkedQueue<>();
      CountDownLatch done = new CountDownLatch(CALLERS);
      int[] before = {cluster.rpcs(0), cluster.rpcs(1), cluster.rpcs(2)};
      long t0 = System.nanoTime();
      for (int c = 0; c < CALLERS; c++) {
        loop(client, stop, failed, served, successNanos, done);
      }
      Thread.sleep(20);
      long kill = System.nanoTime();
      int[] atKill = {cluster.rpcs(0), cluster.rpcs(1), cluster.rpcs(2)};
      if (hang) {
        cluster.hang(0);
      } else {
        cluster.kill(0);
      }
      Thread.sleep(ELECTION_MILLIS);
      cluster.elect(1, 2, true);
      Thread.sleep(FENCE_MILLIS);
      long serve = System.nanoTime();
      cluster.elect(1, 2, false);
      long firstAfter = -1;
      long waitUntil = serve + TimeUnit.SECONDS.toNanos(8);
      while (firstAfter < 0 && System.nanoTime() - waitUntil < 0) {
        for (long s : successNanos) {
          if (s - serve > 0) {
            firstAfter = s;
            break;
          }
        }
        Thread.sleep(1);
      }
      int[] atServed = {cluster.rpcs(0), cluster.rpcs(1), cluster.rpcs(2)};
      stop.set(true);
      assertThat(done.await(15, TimeUnit.SECONDS)).isTrue();

      int total = 0;
      StringBuilder perNode = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        int d = atServed[i] - atKill[i];
        total += d;
        perNode.append(' ').append(FakeCluster.id(i)).append('=').append(d);
      }
      System.out.printf("failover[%s]: %d RPCs received from the death of n1 to the first served call (%s);"
          + " first timestamp %.1f ms after n2 began to serve; outage seen by callers %.1f ms;"
          + " %d calls failed; warm-up RPCs %d%n", how, total, perNode.toString().trim(), (firstAfter - serve) / 1e6,
          (firstAfter - kill) / 1e6, failed.get(), atKill[0] - before[0] + atKill[1] - before[1] + atKill[2] - before[2]);
      assertThat(t0).isPositive();
      assertThat(firstAfter).as("a call succeeded after n2 began to serve").isPositive();
      assertThat(failed.get()).as("calls failed").isZero();
      assertThat(client.orderViolations()).isZero();
    }
  }

  private static void loop(TsoClient client, AtomicBoolean stop, AtomicInteger failed, AtomicLong served,
      ConcurrentLinkedQueue<Long> successNanos, CountDownLatch done) {
    if (stop.get()) {
      done.countDown();
      return;
    }
    client.getTimestampAsync().whenComplete((t, e) -> {
      if (e != null) {
        if (failed.incrementAndGet() == 1) {
          System.out.println("first failed call: " + e);
        }
      } else {
        served.incrementAndGet();
        successNanos.add(System.nanoTime());
        if (successNanos.size() > 10_000) {
          successNanos.poll();
        }
      }
      loop(client, stop, failed, served, successNanos, done);
    });
  }
}
