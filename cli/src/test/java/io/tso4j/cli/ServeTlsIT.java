package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.ratis.TestPki;
import io.tso4j.server.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock {@code tso4j serve} as its own JVM with every TLS flag (client-port mutual TLS, peer TLS): it says so in its
 * start line, a client with the CA and a client certificate gets timestamps, a client without the certificate does
 * not, and SIGTERM stops it with exit 0.
 */
@Tag("process")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ServeTlsIT {
  @TempDir
  Path dir;

  @Test
  void serveWithTlsFlagsServesOnlyCertifiedClients() throws Exception {
    Path pkiDir = Files.createDirectories(dir.resolve("pki"));
    TestPki pki = new TestPki(pkiDir);
    TestPki.Issued ca = pki.ca("ca");
    TestPki.Issued server = pki.server("server", ca);
    TestPki.Issued client = pki.client("client", ca);
    TestPki.Issued peerCa = pki.ca("peer-ca");
    TestPki.Issued peer = pki.peer("peer", peerCa);
    int raft = LocalCluster.freePort();
    int port = LocalCluster.freePort();
    Path log = dir.resolve("serve.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + raft + "/" + port,
        "--data-dir", dir.resolve("n1").toString(),
        "--tls-cert-file", server.certFile().toString(), "--tls-key-file", server.keyFile().toString(),
        "--tls-client-ca-file", ca.certFile().toString(),
        "--peer-tls-cert-file", peer.certFile().toString(), "--peer-tls-key-file", peer.keyFile().toString(),
        "--peer-tls-ca-file", peerCa.certFile().toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("TSO4J_"));
    Process p = pb.start();
    try {
      String endpoint = "127.0.0.1:" + port;
      try (TsoClient c = TsoClient.newBuilder().endpoints(endpoint).callTimeout(Duration.ofSeconds(5))
          .tls(ca.certFile(), client.certFile(), client.keyFile()).build()) {
        assertThat(getWithin(c, Duration.ofSeconds(60))).as(read(log)).isPositive();
      }
      try (TsoClient c = TsoClient.newBuilder().endpoints(endpoint).callTimeout(Duration.ofSeconds(3))
          .tls(ca.certFile()).build()) {
        org.assertj.core.api.Assertions.assertThatThrownBy(c::getTimestamp).isInstanceOf(TsoException.class)
            .hasMessageContaining("TLS");
      }
      assertThat(read(log)).contains("serving clients on " + endpoint + " (TLS), raft on 127.0.0.1:" + raft
          + " (TLS)");
      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(read(log)).isEqualTo(ExitCodes.OK);
    } finally {
      p.destroyForcibly();
    }
  }

  private static long getWithin(TsoClient c, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    TsoException last = null;
    while (System.nanoTime() - deadline < 0) {
      try {
        return c.getTimestamp().toLong();
      } catch (TsoException e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new AssertionError("no timestamp within " + max, last);
  }

  private static String read(Path log) throws java.io.IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
