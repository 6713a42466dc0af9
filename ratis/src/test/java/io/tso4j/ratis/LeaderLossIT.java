package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader-loss detector: when the leader's Raft server goes away (its port refuses connections), exactly one
 * follower starts an election at once (one forced election, so the term moves by one, no split vote); when the
 * leader hands over gracefully, nobody does.
 */
@Tag("ratis")
@Timeout(90)
final class LeaderLossIT {
  @TempDir
  Path dir;

  private final List<RatisDriver> drivers = new ArrayList<>();
  private final List<TimestampOracle> oracles = new ArrayList<>();
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    oracles.forEach(TimestampOracle::close);
    drivers.parallelStream().forEach(RatisDriver::close);
  }

  @Test
  void aLeaderWhosePortIsClosedIsReplacedByOneForcedElection() throws Exception {
    start(3);
    int leader = awaitServing(-1);
    long term = oracles.get(leader).state().term();

    oracles.get(leader).close();
    drivers.get(leader).close();
    int next = awaitServing(leader);

    long elections = 0;
    for (int i = 0; i < drivers.size(); i++) {
      if (i != leader) {
        elections += drivers.get(i).leaderLossElections();
      }
    }
    assertThat(elections).as("one follower started one election").isEqualTo(1);
    assertThat(oracles.get(next).state().term()).as("no failed round: the term moved by one").isEqualTo(term + 1);
    assertThat(fatal).isEmpty();
  }

  @Test
  void aGracefulHandoverStartsNoExtraElection() throws Exception {
    start(3);
    int leader = awaitServing(-1);
    oracles.get(leader).stopServing();
    assertThat(drivers.get(leader).transferLeadership(Duration.ofSeconds(5))).isPresent();
    int next = awaitServing(leader);
    drivers.get(leader).close();
    Thread.sleep(500); // long enough for a detector to react to the closed port, if it wrongly would
    for (int i = 0; i < drivers.size(); i++) {
      if (i != leader) {
        assertThat(drivers.get(i).leaderLossElections()).as("node %d", i).isZero();
      }
    }
    assertThat(oracles.get(next).state().serving()).isTrue();
  }

  private void start(int n) throws Exception {
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      peers.put("ll" + i, "127.0.0.1:" + freePort());
    }
    for (String id : peers.keySet()) {
      RatisDriver d = RatisDriver.create(RatisDriverConfig.builder().nodeId(id).peers(peers)
          .dataDir(dir.resolve(id)).build());
      drivers.add(d);
      TimestampOracle o = new TimestampOracle(d, FenceConfig.defaults(), TsoClock.system(), fatal::add);
      oracles.add(o);
      o.start();
    }
  }

  private int awaitServing(int except) {
    int[] found = {-1};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
      for (int i = 0; i < oracles.size(); i++) {
        if (i != except && oracles.get(i).state().serving()) {
          found[0] = i;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
