package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tso4j serve} is secure by default: off loopback it refuses to start without TLS (one line, exit 2) unless
 * {@code --insecure-plaintext}; TLS flags are checked as a set; the fault-injection and clock-offset hooks of the
 * testkit cannot be reached through the stock daemon's flags or environment.
 */
@Timeout(60)
final class ServeSecurityTest {
  /** An address of this host's network that is not loopback, from the documentation range: never routable. */
  private static final String EXPOSED = "192.0.2.1";

  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void aNodeOffLoopbackWithoutTlsRefusesToStartNamingTheMissingFlags() {
    int code = run("serve", "--id", "n1", "--peers", "n1=" + EXPOSED + ":7101/7001", "--data-dir",
        dir.resolve("n1").toString());
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    String e = err.toString();
    assertThat(e).contains("refusing to start without TLS").contains("--tls-cert-file and --tls-key-file")
        .contains("--peer-tls-cert-file, --peer-tls-key-file and --peer-tls-ca-file")
        .contains("--insecure-plaintext").doesNotContain("\tat ");
    assertThat(e.strip().lines().count()).as("one line").isEqualTo(1);
  }

  @Test
  void insecurePlaintextLetsItTryToStart() {
    // Positive control: with the opt-out the rule passes, and the node then fails to bind the foreign address.
    int code = run("serve", "--id", "n1", "--peers", "n1=" + EXPOSED + ":7101/7001", "--data-dir",
        dir.resolve("n1").toString(), "--insecure-plaintext");
    assertThat(code).as(err.toString()).isEqualTo(ExitCodes.STARTUP);
    assertThat(err.toString()).doesNotContain("refusing to start without TLS");
  }

  @Test
  void theRuleAlsoComesFromTheEnvironment() {
    env.put("TSO4J_INSECURE_PLAINTEXT", "true");
    int code = run("serve", "--id", "n1", "--peers", "n1=" + EXPOSED + ":7101/7001", "--data-dir",
        dir.resolve("n1").toString());
    assertThat(code).as(err.toString()).isEqualTo(ExitCodes.STARTUP);
  }

  @Test
  void incompleteTlsFlagsAreUsageErrors() throws IOException {
    String peers = "n1=127.0.0.1:" + closedPort();
    assertThat(run("serve", "--id", "n1", "--peers", peers, "--tls-cert-file", "c.pem")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--tls-cert-file and --tls-key-file go together");
    assertThat(run("serve", "--id", "n1", "--peers", peers, "--peer-tls-cert-file", "c.pem",
        "--peer-tls-key-file", "c.key")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("peer TLS needs all of");
    assertThat(run("serve", "--id", "n1", "--peers", peers, "--tls-client-ca-file", "ca.pem"))
        .isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aMissingTlsFileIsAStartupErrorNamingIt() throws IOException {
    Path missing = dir.resolve("missing.pem");
    int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + closedPort(), "--grpc-port",
        Integer.toString(closedPort()), "--data-dir", dir.resolve("n1").toString(), "--tls-cert-file",
        missing.toString(), "--tls-key-file", missing.toString());
    assertThat(code).isEqualTo(ExitCodes.STARTUP);
    assertThat(err.toString()).contains(missing.toString()).doesNotContain("\tat ");
  }

  @Test
  void faultAndClockHooksAreNotReachableFromTheStockDaemon() throws IOException {
    String peers = "n1=127.0.0.1:" + closedPort();
    env.put("TSO4J_FAULT_CONTROL_FILE", dir.resolve("faults").toString());
    assertThat(run("serve", "--id", "n1", "--peers", peers)).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown variable TSO4J_FAULT_CONTROL_FILE");
    env.clear();
    env.put("TSO4J_CLOCK_OFFSET_MS", "3600000");
    assertThat(run("serve", "--id", "n1", "--peers", peers)).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown variable TSO4J_CLOCK_OFFSET_MS");
    env.clear();
    assertThat(run("serve", "--id", "n1", "--peers", peers, "--fault-control-file", "f")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--id", "n1", "--peers", peers, "--clock-offset-ms", "5")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unknown option");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
