package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS against a TLS {@link FakeOracle} on 127.0.0.1, with certificates made at test time: a CA, a
 * server certificate with IP SAN 127.0.0.1, a client certificate, and a second, unrelated CA.
 */
@Timeout(60)
final class TlsTest {
  private static final long PHYSICAL = 1_700_000_000_000L;
  /** For the one test that must wait out a deadline. */
  private static final Duration DEADLINE = Duration.ofSeconds(3);
  /**
   * For every other call: these tests are about what a handshake does, never about time, so a cold JVM on a loaded
   * machine (the first TLS handshake loads the native TLS library) must not turn an answer into a timeout.
   */
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private TestPki.Issued ca;
  private TestPki.Issued otherCa;
  private TestPki.Issued server;
  private TestPki.Issued client;
  private TestPki.Issued otherServer;

  @BeforeEach
  void makeCertificates() throws Exception {
    TestPki pki = new TestPki(dir);
    ca = pki.ca("ca");
    otherCa = pki.ca("other-ca");
    server = pki.server("server", ca);
    client = pki.client("client", ca);
    otherServer = pki.server("other-server", otherCa);
  }

  private static SslContext serverTls(TestPki.Issued cert, TestPki.Issued requireClientsOf) throws Exception {
    SslContextBuilder b = GrpcSslContexts.forServer(cert.certFile().toFile(), cert.keyFile().toFile());
    if (requireClientsOf != null) {
      b.trustManager(requireClientsOf.certFile().toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    return b.build();
  }

  private static TsoClient.Builder patient(FakeOracle fake) {
    return TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(GENEROUS).attemptTimeout(GENEROUS);
  }

  private static FakeOracle oracle(SslContext tls) throws Exception {
    return new FakeOracle(FakeOracle.serving(1, PHYSICAL), tls, 0);
  }

  @Test
  void aServerCertifiedByTheTrustedCaServes() throws Exception {
    try (FakeOracle fake = oracle(serverTls(server, null));
        TsoClient c = patient(fake).tls(ca.certFile())
            .build()) {
      assertThat(c.getTimestamp().physicalMillis()).isEqualTo(PHYSICAL);
      assertThat(c.getTimestamps(5).count()).isEqualTo(5);
    }
  }

  @Test
  void mutualTlsWithAClientCertificateServes() throws Exception {
    try (FakeOracle fake = oracle(serverTls(server, ca));
        TsoClient c = patient(fake)
            .tls(ca.certFile(), client.certFile(), client.keyFile()).build()) {
      assertThat(c.getTimestamp().physicalMillis()).isEqualTo(PHYSICAL);
    }
  }

  @Test
  void applicationCredentialsAreUsedAsGiven() throws Exception {
    try (FakeOracle fake = oracle(serverTls(server, null));
        TsoClient c = patient(fake)
            .channelCredentials(TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build())
            .build()) {
      assertThat(c.getTimestamp().physicalMillis()).isEqualTo(PHYSICAL);
    }
  }

  @Test
  void aPlaintextClientAgainstATlsServerFailsSayingTlsAndTheEndpoint() throws Exception {
    try (FakeOracle fake = oracle(serverTls(server, null));
        TsoClient c = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(DEADLINE).build()) {
      assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("TLS").hasMessageContaining(fake.endpoint());
      assertThat(fake.calls()).isZero();
    }
  }

  @Test
  void aServerCertifiedByAnotherCaFailsSayingTlsAndTheEndpoint() throws Exception {
    try (FakeOracle fake = oracle(serverTls(otherServer, null));
        TsoClient c = patient(fake).tls(ca.certFile())
            .build()) {
      long start = System.nanoTime();
      assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("TLS handshake with " + fake.endpoint() + " failed");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a TLS failure does not wait out the deadline")
          .isLessThan(GENEROUS);
      assertThat(fake.calls()).isZero();
    }
  }

  @Test
  void aMutualTlsServerRefusesAClientWithoutACertificate() throws Exception {
    try (FakeOracle fake = oracle(serverTls(server, ca));
        TsoClient c = patient(fake).tls(ca.certFile())
            .build()) {
      assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("TLS").hasMessageContaining(fake.endpoint());
      assertThat(fake.calls()).isZero();
    }
  }

  @Test
  void aRotatedServerCertificateFromANewCaIsPickedUpOnceTheCaFileChanges() throws Exception {
    Path trust = dir.resolve("trust.pem");
    Files.copy(ca.certFile(), trust);
    try (FakeOracle fake = oracle(serverTls(otherServer, null));
        TsoClient c = patient(fake).tls(trust)
            .tlsRefreshPeriod(Duration.ofMillis(100)).build()) {
      assertThatThrownBy(c::getTimestamp).as("positive control: the old CA does not trust the new certificate")
          .isInstanceOf(TsoUnavailableException.class).hasMessageContaining("TLS");

      TestPki.replace(otherCa.certFile(), trust);

      Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.getTimestamp().physicalMillis() >= PHYSICAL);
    }
  }

  @Test
  void aRotatedClientCertificateIsPresentedOnTheNextConnection() throws Exception {
    Path cert = dir.resolve("me.pem");
    Path key = dir.resolve("me.key");
    TestPki.Issued stranger = new TestPki(dir).client("stranger", otherCa);
    Files.copy(stranger.certFile(), cert);
    Files.copy(stranger.keyFile(), key);
    try (FakeOracle fake = oracle(serverTls(server, ca));
        TsoClient c = patient(fake).tls(ca.certFile(), cert, key)
            .tlsRefreshPeriod(Duration.ofMillis(100)).build()) {
      assertThatThrownBy(c::getTimestamp).as("positive control: a certificate the server does not trust")
          .isInstanceOf(TsoUnavailableException.class).hasMessageContaining("TLS");

      TestPki.replace(client.keyFile(), key);
      TestPki.replace(client.certFile(), cert);

      Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.getTimestamp().physicalMillis() >= PHYSICAL);
    }
  }

  @Test
  void aMissingOrUnreadableTlsFileFailsTheBuildNamingIt() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("127.0.0.1:1").tls(missing).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("127.0.0.1:1").tls(garbage).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS CA file " + garbage);
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("127.0.0.1:1")
        .tls(ca.certFile(), client.certFile(), garbage).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(garbage.toString());
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("127.0.0.1:1").tls(ca.certFile())
        .tlsRefreshPeriod(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsRefreshPeriod");
  }
}
