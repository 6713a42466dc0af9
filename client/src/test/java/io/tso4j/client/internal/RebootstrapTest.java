package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.tso4j.client.Member;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Re-bootstrap: single flight under concurrency, back to the seeds, channels rebuilt. */
final class RebootstrapTest {
  private static final List<String> SEEDS = List.of("seed.example:7001");

  @Test
  void concurrentTriggersRunOneRebootstrap() throws Exception {
    ClusterView view = new ClusterView(SEEDS);
    AtomicInteger refreshes = new AtomicInteger();
    AtomicReference<Runnable> pendingDone = new AtomicReference<>();
    try (ChannelPool channels = new ChannelPool()) {
      Rebootstrap r = new Rebootstrap(channels, view, done -> {
        refreshes.incrementAndGet();
        pendingDone.set(done);
      });
      int threads = 8;
      CyclicBarrier start = new CyclicBarrier(threads);
      CountDownLatch finished = new CountDownLatch(threads);
      AtomicInteger started = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (int i = 0; i < threads; i++) {
          pool.execute(() -> {
            try {
              start.await(5, TimeUnit.SECONDS);
              for (int j = 0; j < 100; j++) {
                if (r.trigger()) {
                  started.incrementAndGet();
                }
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            } finally {
              finished.countDown();
            }
          });
        }
        assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
      } finally {
        pool.shutdownNow();
      }

      assertThat(started.get()).isEqualTo(1);
      assertThat(refreshes.get()).isEqualTo(1);
      assertThat(r.count()).isEqualTo(1);
      assertThat(r.running()).isTrue();

      pendingDone.get().run();
      assertThat(r.trigger()).as("a later episode runs again").isTrue();
      assertThat(r.count()).isEqualTo(2);
    }
  }

  @Test
  void rebootstrapGoesBackToTheSeedsAndRebuildsChannels() {
    ClusterView view = new ClusterView(SEEDS);
    view.learn(List.of(new Member("n1", "10.0.0.1:7001"), new Member("n2", "10.0.0.2:7001"), new Member("n3", "")));
    assertThat(view.known()).containsExactly("10.0.0.1:7001", "10.0.0.2:7001");
    try (ChannelPool channels = new ChannelPool()) {
      ManagedChannel before = channels.get("127.0.0.1:7001");
      Rebootstrap r = new Rebootstrap(channels, view, Runnable::run);

      assertThat(r.trigger()).isTrue();

      assertThat(view.known()).isEqualTo(SEEDS);
      assertThat(before.isShutdown()).isTrue();
      assertThat(channels.get("127.0.0.1:7001")).isNotSameAs(before);
      assertThat(r.running()).isFalse();
    }
  }

  @Test
  void aMembershipWithoutEndpointsKeepsTheSeeds() {
    ClusterView view = new ClusterView(SEEDS);

    assertThat(view.learn(List.of(new Member("n1", ""), new Member("n2", "not an endpoint")))).isFalse();

    assertThat(view.known()).isEqualTo(SEEDS);
  }
}
