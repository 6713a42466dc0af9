package io.tso4j.testkit.stress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling-restart scenario: one node after the other (n1, n2, n3, then again while time remains), SIGTERM
 * (graceful: stop serving, hand leadership to a follower, exit 0), restart, wait until the node is back and follows
 * the leader (so the cluster has its majority again), then a second, then the next. Every restart is recorded as a {@link FaultKind#GRACEFUL_RESTART};
 * an exit code other than 0 is an anomaly. Stops by itself at the end time.
 */
final class RollingRestart implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RollingRestart.class);
  private static final long SETTLE_MILLIS = 1_000;

  private final StressCluster cluster;
  private final long endNanos;
  private final List<FaultEvent> events = Collections.synchronizedList(new ArrayList<>());
  private final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());

  RollingRestart(StressCluster cluster, long endNanos) {
    this.cluster = cluster;
    this.endNanos = endNanos;
  }

  List<FaultEvent> events() {
    return List.copyOf(events);
  }

  List<String> anomalies() {
    return List.copyOf(anomalies);
  }

  @Override
  public void run() {
    try {
      Thread.sleep(2_000);
      int i = 0;
      List<ServerProcess> nodes = cluster.nodes();
      // Each restart needs ~5 s (exit, JVM start, catch-up, settle); stop early enough to end with all nodes up.
      while (System.nanoTime() + TimeUnit.SECONDS.toNanos(8) - endNanos < 0) {
        restart(nodes.get(i % nodes.size()));
        i++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      anomalies.add("restart failed: " + e);
    }
  }

  private void restart(ServerProcess p) throws IOException, InterruptedException {
    Optional<StressCluster.Leader> leader = cluster.awaitServingLeader(10_000);
    boolean wasLeader = leader.isPresent() && leader.get().id().equals(p.id());
    long term = leader.map(StressCluster.Leader::term).orElse(0L);
    long start = System.nanoTime();
    int code = p.terminate(15_000);
    long exited = System.nanoTime();
    if (code != 0) {
      anomalies.add("node " + p.id() + " exited with " + code + " on SIGTERM (expected 0)");
    }
    p.start();
    long end = System.nanoTime();
    events.add(new FaultEvent(FaultKind.GRACEFUL_RESTART, p.id(), wasLeader, term, start, end,
        "exit " + code + " after " + (exited - start) / 1_000_000 + " ms"));
    LOG.info("graceful restart of {}{}: exit {} after {} ms", p.id(), wasLeader ? " (leader)" : "", code,
        (exited - start) / 1_000_000);
    if (!cluster.awaitFollowing(p.id(), 30_000)) {
      anomalies.add("node " + p.id() + " did not rejoin within 30 s after its restart");
    }
    cluster.awaitServingLeader(15_000);
    Thread.sleep(SETTLE_MILLIS);
  }
}
