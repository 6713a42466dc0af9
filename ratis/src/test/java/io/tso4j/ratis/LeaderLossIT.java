package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.CodeInjectionForTesting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader-loss detector: when the leader's Raft server goes away (its port refuses connections), exactly one
 * follower starts an election at once (one forced election, so the term moves by one, no split vote), the one with
 * the newest log; when the leader hands over gracefully, nobody does. The append-failure hook is Ratis's global
 * {@link CodeInjectionForTesting} table, keyed to this test's own peer ids.
 */
@Tag("ratis")
@Timeout(90)
final class LeaderLossIT {
  @TempDir
  Path dir;

  private final List<RatisDriver> drivers = new ArrayList<>();
  private final List<TimestampOracle> oracles = new ArrayList<>();
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  private final Map<String, String> peers = new LinkedHashMap<>();

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

  /**
   * The follower ranked first by id missed the leader's last appends (its appends fail while the others commit), so
   * Raft would refuse it a vote: the other follower, whose log is newer, must stand instead, at once. Before the
   * followers compared their logs, the stale one stood, lost, and the group waited out an election timeout (term +
   * 2). The precondition below (the first-ranked follower's log really is older, as its peers read it over {@link
   * PeerLogService}) is what makes that the outcome of ranking by id alone.
   */
  @Test
  void theFollowerWithTheNewerLogStandsWhenTheFirstRankedOneIsBehind() throws Exception {
    start(3);
    int leader = awaitServing(-1);
    long term = oracles.get(leader).state().term();
    List<Integer> followers = new ArrayList<>();
    for (int i = 0; i < drivers.size(); i++) {
      if (i != leader) {
        followers.add(i);
      }
    }
    int stale = followers.get(0); // ids "ll0" < "ll1" < "ll2": the first-ranked by id
    int fresh = followers.get(1);
    RaftPeerId staleId = RaftPeerId.valueOf("ll" + stale);
    String hook = appendEntriesInjectionPoint();
    CodeInjectionForTesting.put(hook, (local, remote, args) -> {
      if (staleId.equals(local)) {
        throw new IllegalStateException("test: appends to " + local + " fail");
      }
      return false;
    });
    try {
      // Lease renewals commit every ~50 ms on the leader and the fresh follower only.
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
          .until(() -> lastEntry(fresh).getIndex() > lastEntry(stale).getIndex() + 1);
      TermIndex staleLast = lastEntry(stale);
      try (PeerChannels channels = new PeerChannels("test", java.util.Optional.empty())) {
        Map<RaftPeerId, PeerLogService.PeerLog> read = new PeerLogReader(channels).lastEntries(
            Map.of(staleId, peers.get("ll" + stale)), 2_000);
        assertThat(read.get(staleId).last()).as("the stale follower's log, read over its Raft port")
            .isEqualTo(staleLast);
      }

      // Closing a leader's server can take a second; the appends must work again as soon as its Raft port is gone,
      // or they would fail for the new leader too.
      oracles.get(leader).close();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(drivers.get(leader)::close);
      String leaderPort = peers.get("ll" + leader);
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> refuses(leaderPort));
      CodeInjectionForTesting.remove(hook);
      closing.get(30, TimeUnit.SECONDS);
    } finally {
      CodeInjectionForTesting.remove(hook);
    }
    int next = awaitServing(leader);

    assertThat(next).as("the follower with the newer log leads").isEqualTo(fresh);
    assertThat(drivers.get(fresh).leaderLossElections()).as("it started one election").isEqualTo(1);
    assertThat(drivers.get(stale).leaderLossElections()).as("the stale one started none").isZero();
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

  private static boolean refuses(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
          200);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private TermIndex lastEntry(int i) {
    return drivers.get(i).division().getRaftLog().getLastEntryTermIndex();
  }

  /** Ratis's injection point at the start of a follower's append handling. */
  private static String appendEntriesInjectionPoint() throws ReflectiveOperationException {
    Field f = Class.forName("org.apache.ratis.server.impl.RaftServerImpl").getDeclaredField("APPEND_ENTRIES");
    f.setAccessible(true);
    return (String) f.get(null);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
