package io.tso4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.core.memory.InMemoryDriver;
import io.tso4j.ratis.TestPki;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.TsoGrpcServer;
import io.tso4j.server.grpc.TsoGrpcService;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on the client port ({@link ReloadingTls} credentials on a real {@link TsoGrpcServer} over
 * loopback, a real {@link TsoClient}), with certificates made at test time: a good certificate serves; plaintext,
 * an unknown CA, a missing or foreign client certificate are refused and leave the server serving others; a
 * certificate replaced on disk is presented by the next handshake.
 */
@Timeout(60)
final class ClientPortTlsTest {
  /** These tests are about handshakes, not time: a loaded machine must not turn an answer into a timeout. */
  private static final Duration GENEROUS = Duration.ofSeconds(20);
  private static final Duration REFRESH = Duration.ofMillis(100);

  @TempDir
  Path dir;

  private TestPki.Issued ca;
  private TestPki.Issued otherCa;
  private TestPki.Issued server;
  private TestPki.Issued client;
  private TestPki.Issued stranger;
  private InMemoryDriver driver;
  private TimestampOracle oracle;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    TestPki pki = new TestPki(dir);
    ca = pki.ca("ca");
    otherCa = pki.ca("other-ca");
    server = pki.server("server", ca);
    client = pki.client("client", ca);
    stranger = pki.client("stranger", otherCa);
    driver = new InMemoryDriver("n1", Duration.ofMillis(100), new LeadershipEvent.Leader(1));
    oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), e -> { });
    oracle.start();
    await().atMost(GENEROUS).until(() -> oracle.state().serving());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    oracle.close();
    driver.close();
  }

  private TsoGrpcServer serve(TlsFiles files) throws Exception {
    ReloadingTls tls = ReloadingTls.open("n1", "client TLS", files, REFRESH);
    open.add(tls);
    TsoGrpcServer s = new TsoGrpcServer("127.0.0.1", 0,
        List.of(new TsoGrpcService(oracle, MemberDirectory.of("n1", Map.of("n1", "")))), Duration.ofMillis(200),
        tls.serverCredentials()).start();
    open.add(s);
    return s;
  }

  private TsoClient.Builder clientOf(TsoGrpcServer s) {
    return TsoClient.newBuilder().endpoints(s.endpoint()).callTimeout(GENEROUS).attemptTimeout(GENEROUS);
  }

  @Test
  void aClientTrustingTheCaGetsTimestamps() throws Exception {
    TsoGrpcServer s = serve(TlsFiles.of(server.certFile(), server.keyFile()));
    try (TsoClient c = clientOf(s).tls(ca.certFile()).build()) {
      assertThat(c.getTimestamps(3).count()).isEqualTo(3);
    }
  }

  @Test
  void aPlaintextClientIsRefused() throws Exception {
    TsoGrpcServer s = serve(TlsFiles.of(server.certFile(), server.keyFile()));
    try (TsoClient c = TsoClient.newBuilder().endpoints(s.endpoint()).callTimeout(Duration.ofSeconds(3)).build()) {
      assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoUnavailableException.class).hasMessageContaining("TLS");
    }
    assertServesATrustingClient(s);
  }

  @Test
  void aClientTrustingAnotherCaIsRefusedAndTheServerServesOthers() throws Exception {
    TsoGrpcServer s = serve(TlsFiles.of(server.certFile(), server.keyFile()));
    try (TsoClient c = clientOf(s).tls(otherCa.certFile()).build()) {
      assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("TLS handshake with " + s.endpoint() + " failed");
    }
    assertServesATrustingClient(s);
  }

  @Test
  void mutualTlsRefusesAClientWithoutACertificateOrWithAForeignOne() throws Exception {
    TsoGrpcServer s = serve(TlsFiles.mutual(server.certFile(), server.keyFile(), ca.certFile()));
    try (TsoClient c = clientOf(s).tls(ca.certFile()).build()) {
      assertThatThrownBy(c::getTimestamp).as("no client certificate").isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("TLS");
    }
    try (TsoClient c = clientOf(s).tls(ca.certFile(), stranger.certFile(), stranger.keyFile()).build()) {
      assertThatThrownBy(c::getTimestamp).as("a certificate of another CA")
          .isInstanceOf(TsoUnavailableException.class).hasMessageContaining("TLS");
    }
    try (TsoClient c = clientOf(s).tls(ca.certFile(), client.certFile(), client.keyFile()).build()) {
      assertThat(c.getTimestamp().physicalMillis()).as("positive control: the CA's client certificate")
          .isPositive();
    }
  }

  @Test
  void aCertificateReplacedOnDiskIsPresentedByTheNextHandshake() throws Exception {
    Path cert = dir.resolve("live.pem");
    Path key = dir.resolve("live.key");
    Files.copy(server.certFile(), cert);
    Files.copy(server.keyFile(), key);
    TsoGrpcServer s = serve(TlsFiles.of(cert, key));
    assertThat(presentedSerial(s)).isEqualTo(server.cert().getSerialNumber());

    TestPki.Issued renewed = new TestPki(dir).server("renewed", otherCa);
    TestPki.replace(renewed.keyFile(), key);
    TestPki.replace(renewed.certFile(), cert);

    await().atMost(GENEROUS).ignoreExceptions()
        .until(() -> presentedSerial(s).equals(renewed.cert().getSerialNumber()));
    try (TsoClient c = clientOf(s).tls(otherCa.certFile()).build()) {
      assertThat(c.getTimestamp().physicalMillis()).as("a client of the new CA").isPositive();
    }
  }

  @Test
  void aHalfDoneRotationKeepsThePreviousCertificate() throws Exception {
    Path cert = dir.resolve("live.pem");
    Path key = dir.resolve("live.key");
    Files.copy(server.certFile(), cert);
    Files.copy(server.keyFile(), key);
    ReloadingTls tls = ReloadingTls.open("n1", "client TLS", TlsFiles.of(cert, key), Duration.ofHours(1));
    open.add(tls);
    TestPki.Issued renewed = new TestPki(dir).server("renewed", ca);
    TestPki.replace(renewed.certFile(), cert); // the key file is not replaced yet: the pair does not match

    tls.check();
    assertThat(tls.reloads()).as("a certificate without its key is not loaded").isZero();

    TestPki.replace(renewed.keyFile(), key);
    tls.check();
    assertThat(tls.reloads()).isEqualTo(1);
  }

  @Test
  void anUnreadableFileFailsTheStartNamingIt() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> ReloadingTls.open("n1", "client TLS", TlsFiles.of(missing, server.keyFile()),
        REFRESH)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> ReloadingTls.open("n1", "client TLS", TlsFiles.of(server.certFile(),
        client.keyFile()), REFRESH)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> ReloadingTls.open("n1", "peer TLS", new TlsFiles(server.certFile(), server.keyFile(),
        Optional.of(server.keyFile())), REFRESH)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peer TLS CA file");
  }

  @Test
  void aConnectionThatNeverFinishesItsHandshakeIsClosed() throws Exception {
    TsoGrpcServer s = serve(TlsFiles.of(server.certFile(), server.keyFile()));
    long start = System.nanoTime();
    try (java.net.Socket idle = new java.net.Socket("127.0.0.1", s.port())) {
      idle.setSoTimeout((int) TsoGrpcServer.HANDSHAKE_TIMEOUT.multipliedBy(3).toMillis());
      // Sends nothing: no ClientHello. The server closes the connection once the handshake timeout has passed.
      assertThat(idle.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(
        TsoGrpcServer.HANDSHAKE_TIMEOUT.minusMillis(500));
    assertServesATrustingClient(s);
  }

  private void assertServesATrustingClient(TsoGrpcServer s) throws Exception {
    try (TsoClient c = clientOf(s).tls(ca.certFile()).build()) {
      assertThat(c.getTimestamp().physicalMillis()).as("the server still serves a good client").isPositive();
    }
  }

  /** The serial number of the certificate the server presents in a fresh handshake (any CA accepted here). */
  private BigInteger presentedSerial(TsoGrpcServer s) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[0], new TrustManager[] {TestPki.trustManager(ca, otherCa)}, null);
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.port())) {
      SSLParameters p = socket.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(p);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
