package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.TestPki;
import io.tso4j.server.LocalCluster;
import io.tso4j.server.NodeSecurity;
import io.tso4j.server.NodeTuning;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TlsFiles;
import io.tso4j.server.TsoNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code get} and {@code watch} with the client TLS options ({@link ClientTlsOptions}) against a node whose client
 * port requires mutual TLS: with the CA and a client certificate they work; without a certificate, or plaintext,
 * they fail with exit 1; incomplete options are usage errors.
 */
@Timeout(90)
final class ClientTlsCommandsIT {
  @TempDir
  static Path dir;

  private static TsoNode node;
  private static TestPki.Issued ca;
  private static TestPki.Issued client;

  private final Map<String, String> env = new HashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void startNode() throws Exception {
    Path pkiDir = Files.createDirectories(dir.resolve("pki"));
    TestPki pki = new TestPki(pkiDir);
    ca = pki.ca("ca");
    client = pki.client("client", ca);
    TestPki.Issued server = pki.server("server", ca);
    List<PeerSpec> peers = List.of(new PeerSpec("c1", "127.0.0.1", LocalCluster.freePort(), LocalCluster.freePort()));
    node = TsoNode.start(new TsoNode.Config("c1", peers, "127.0.0.1", peers.get(0).clientPort(), dir.resolve("c1"),
        Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(), TsoClock.system()),
        NodeTuning.defaults(), NodeSecurity.plaintext()
            .withClientTls(TlsFiles.mutual(server.certFile(), server.keyFile(), ca.certFile())), e -> { });
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  private int run(String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void getAndWatchWorkWithTheCaAndAClientCertificate() {
    assertThat(run("get", "--endpoints", node.endpoint(), "--timeout", "20s", "--tls-ca-file", ca.certFile().toString(),
        "--tls-cert-file", client.certFile().toString(), "--tls-key-file", client.keyFile().toString()))
        .as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(run("watch", "--endpoint", node.endpoint(), "--max-events", "1", "--timeout", "20s",
        "--tls-ca-file", ca.certFile().toString(), "--tls-cert-file", client.certFile().toString(),
        "--tls-key-file", client.keyFile().toString())).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("node=c1");
  }

  @Test
  void membersAndAdminGoOverMutualTlsAndNeedTheClientCertificate() {
    assertThat(run("members", "--endpoints", node.endpoint(), "--timeout", "20s", "--tls-ca-file",
        ca.certFile().toString(), "--tls-cert-file", client.certFile().toString(), "--tls-key-file",
        client.keyFile().toString())).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("c1").contains("leader");
    assertThat(run("admin", "high-water", "--endpoints", node.endpoint(), "--timeout", "20s", "--tls-ca-file",
        ca.certFile().toString(), "--tls-cert-file", client.certFile().toString(), "--tls-key-file",
        client.keyFile().toString())).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(run("admin", "remove-member", "--endpoints", node.endpoint(), "--timeout", "3s", "--id", "c1",
        "--tls-ca-file", ca.certFile().toString())).as("no client certificate").isEqualTo(ExitCodes.FAILED);
    assertThat(run("members", "--endpoints", node.endpoint(), "--timeout", "3s")).as("plaintext")
        .isEqualTo(ExitCodes.FAILED);
    assertThat(err.toString()).doesNotContain("\tat ");
  }

  @Test
  void withoutAClientCertificateOrTlsTheCallsFail() {
    assertThat(run("get", "--endpoints", node.endpoint(), "--timeout", "3s", "--tls-ca-file",
        ca.certFile().toString())).isEqualTo(ExitCodes.FAILED);
    assertThat(err.toString()).contains("TLS").doesNotContain("\tat ");
    assertThat(run("get", "--endpoints", node.endpoint(), "--timeout", "3s")).isEqualTo(ExitCodes.FAILED);
    assertThat(run("watch", "--endpoint", node.endpoint(), "--max-events", "1", "--timeout", "3s"))
        .isNotEqualTo(ExitCodes.OK);
  }

  @Test
  void incompleteClientTlsOptionsAreUsageErrors() {
    assertThat(run("get", "--endpoints", node.endpoint(), "--tls-cert-file", client.certFile().toString(),
        "--tls-key-file", client.keyFile().toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--tls-cert-file needs --tls-ca-file");
    assertThat(run("watch", "--endpoint", node.endpoint(), "--tls-ca-file", ca.certFile().toString(),
        "--tls-cert-file", client.certFile().toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("go together");
  }
}
