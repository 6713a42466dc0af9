package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three nodes whose Raft ports speak mutual TLS ({@link PeerTls}, certificates made by {@link TestPki}): they elect a
 * leader and serve, the leader-loss detector holds TLS connections (handshakes succeed, none fails), a killed leader
 * is replaced through the detector's forced election, and a node whose peer certificate comes from another CA never
 * joins.
 */
@Tag("ratis")
@Timeout(90)
final class PeerTlsIT {
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

  /**
   * With the JDK's managers and with grpc-java's advanced TLS managers (what the server module's ReloadingTls hands
   * to PeerTls: they check the peer's host name when this node is the client).
   */
  @ParameterizedTest(name = "advanced managers: {0}")
  @ValueSource(booleans = {false, true})
  void aClusterFormsOverPeerTlsAndSurvivesALeaderKill(boolean advanced) throws Exception {
    TestPki pki = new TestPki(dir.resolve("pki"));
    java.nio.file.Files.createDirectories(dir.resolve("pki"));
    TestPki.Issued ca = pki.ca("peer-ca");
    Map<String, String> peers = peers(3);
    for (String id : peers.keySet()) {
      TestPki.Issued cert = pki.peer(id, ca);
      start(id, peers, advanced ? advancedTls(cert, ca)
          : new PeerTls(TestPki.keyManager(cert), TestPki.trustManager(ca)));
    }
    int leader = awaitServing(-1);
    long term = oracles.get(leader).state().term();
    for (int i = 0; i < drivers.size(); i++) {
      if (i != leader) {
        LeaderLossDetector d = drivers.get(i).leaderLossDetector();
        await().atMost(Duration.ofSeconds(20)).until(() -> d.heldConnections() > 0);
        assertThat(d.handshakeFailures()).as("node %d's detector handshakes with the leader", i).isZero();
      }
    }
    for (RatisDriver d : drivers) {
      // C6: the peer clock reads ride on the Raft port, over the same mutual TLS.
      await().atMost(Duration.ofSeconds(20)).until(() -> d.peerClockSamples() >= 2);
    }

    oracles.get(leader).close();
    drivers.get(leader).close();
    int next = awaitServing(leader);

    long elections = 0;
    for (int i = 0; i < drivers.size(); i++) {
      if (i != leader) {
        elections += drivers.get(i).leaderLossElections();
        assertThat(drivers.get(i).leaderLossDetector().handshakeFailures()).isZero();
      }
    }
    assertThat(elections).as("the detector saw the TLS connection close and forced one election").isEqualTo(1);
    assertThat(oracles.get(next).state().term()).isGreaterThan(term);
    assertThat(fatal).isEmpty();
  }

  @Test
  void aNodeWithACertificateFromAnotherCaNeverJoins() throws Exception {
    TestPki pki = new TestPki(dir.resolve("pki"));
    java.nio.file.Files.createDirectories(dir.resolve("pki"));
    TestPki.Issued ca = pki.ca("peer-ca");
    TestPki.Issued rogueCa = pki.ca("rogue-ca");
    Map<String, String> peers = peers(3);
    List<String> ids = new ArrayList<>(peers.keySet());
    // Two good nodes form a majority; the third presents a certificate the others do not trust (and trusts only its
    // own CA), so no Raft message between it and them is ever accepted.
    start(ids.get(0), peers, new PeerTls(TestPki.keyManager(pki.peer(ids.get(0), ca)), TestPki.trustManager(ca)));
    start(ids.get(1), peers, new PeerTls(TestPki.keyManager(pki.peer(ids.get(1), ca)), TestPki.trustManager(ca)));
    start(ids.get(2), peers, new PeerTls(TestPki.keyManager(pki.peer(ids.get(2), rogueCa)),
        TestPki.trustManager(rogueCa)));
    int leader = awaitServing(-1);
    assertThat(leader).as("a good node leads").isIn(0, 1);
    Thread.sleep(1_000);
    assertThat(drivers.get(2).leaderId()).as("the rogue node never learns a leader").isEmpty();
    assertThat(oracles.get(2).state().serving()).isFalse();
    assertThat(oracles.get(leader).state().serving()).as("the good majority keeps serving").isTrue();
    // C6: the clock service is behind the same TLS: the rogue node reads no peer's clock; the good ones read each other.
    assertThat(drivers.get(2).peerClockSamples()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> drivers.get(0).peerClockSamples() > 0);
  }

  private static PeerTls advancedTls(TestPki.Issued cert, TestPki.Issued ca) throws Exception {
    AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    keys.updateIdentityCredentials(cert.certFile().toFile(), cert.keyFile().toFile());
    AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION).build();
    trust.updateTrustCredentials(ca.certFile().toFile());
    return new PeerTls(keys, trust);
  }

  private Map<String, String> peers(int n) throws IOException {
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      peers.put("tls" + i, "127.0.0.1:" + freePort());
    }
    return peers;
  }

  private void start(String id, Map<String, String> peers, PeerTls tls) throws Exception {
    RatisDriver d = RatisDriver.create(RatisDriverConfig.builder().nodeId(id).peers(peers)
        .dataDir(dir.resolve(id)).peerTls(tls).build());
    drivers.add(d);
    TimestampOracle o = new TimestampOracle(d, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    oracles.add(o);
    o.start();
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
