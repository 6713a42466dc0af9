package io.tso4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.TestPki;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's peer certificate replaced on disk is presented by the next handshake on its Raft port, without a restart,
 * and the node keeps serving; a handshake without a peer certificate is refused (the Raft port is always mutual).
 */
@Timeout(60)
final class PeerTlsRotationIT {
  @TempDir
  Path dir;

  @Test
  void aRotatedPeerCertificateIsPresentedByTheNextHandshake() throws Exception {
    Path pkiDir = Files.createDirectories(dir.resolve("pki"));
    TestPki pki = new TestPki(pkiDir);
    TestPki.Issued peerCa = pki.ca("peer-ca");
    TestPki.Issued first = pki.peer("first", peerCa);
    TestPki.Issued other = pki.peer("other", peerCa);
    Path cert = dir.resolve("peer.pem");
    Path key = dir.resolve("peer.key");
    Files.copy(first.certFile(), cert);
    Files.copy(first.keyFile(), key);
    int raft = LocalCluster.freePort();
    List<PeerSpec> peers = List.of(new PeerSpec("r1", "127.0.0.1", raft, LocalCluster.freePort()));
    NodeSecurity security = NodeSecurity.plaintext().withTlsRefreshPeriod(Duration.ofMillis(100))
        .withPeerTls(TlsFiles.mutual(cert, key, peerCa.certFile()));
    try (TsoNode node = TsoNode.start(new TsoNode.Config("r1", peers, "127.0.0.1", peers.get(0).clientPort(),
        dir.resolve("r1"), Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(),
        TsoClock.system()), NodeTuning.defaults(), security, e -> { })) {
      await().atMost(Duration.ofSeconds(30)).until(() -> node.oracle().state().serving());
      assertThat(presented(raft, other, peerCa)).isEqualTo(first.cert().getSerialNumber());

      TestPki.Issued renewed = pki.peer("renewed", peerCa);
      TestPki.replace(renewed.keyFile(), key);
      TestPki.replace(renewed.certFile(), cert);
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> presented(raft, other, peerCa).equals(renewed.cert().getSerialNumber()));

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
        BigInteger serial = presented(raft, null, peerCa);
        // TLS 1.3 reports a refused client certificate after the handshake: the first read fails.
        throw new AssertionError("a handshake without a peer certificate saw " + serial);
      }).isNotInstanceOf(AssertionError.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.oracle().state().serving());
    }
  }

  /** The serial of the certificate the Raft port presents, handshaking as {@code as} (null: no certificate). */
  private static BigInteger presented(int port, TestPki.Issued as, TestPki.Issued ca) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(as == null ? new KeyManager[0] : new KeyManager[] {TestPki.keyManager(as)},
        new TrustManager[] {TestPki.trustManager(ca)}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.setSoTimeout(5_000);
      s.startHandshake();
      BigInteger serial = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
      // Read once: a server that refused our certificate closes the connection here (TLS 1.3 sends its alert late).
      s.getInputStream().read(new byte[64]);
      return serial;
    }
  }
}
