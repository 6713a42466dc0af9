package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.timestamp.Timestamp;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tso4j command's answers to good and bad input: output, one-line errors, exit codes, no stack traces. */
@Timeout(60)
final class MainTest {
  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void parsePrintsTimeAndLogical() {
    long v = Timestamp.pack(1_700_000_000_123L, 42);
    assertThat(run("parse", Long.toString(v))).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains(Long.toString(v)).contains("2023-11-14T22:13:20.123Z").contains("logical 42");
  }

  @Test
  void parseJsonPrintsFields() {
    long v = Timestamp.pack(1_700_000_000_123L, 7);
    assertThat(run("parse", "--json", Long.toString(v))).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("\"physical_ms\":1700000000123").contains("\"logical\":7");
  }

  @Test
  void parseGarbageIsAUsageErrorWithoutStackTrace() {
    assertThat(run("parse", "banana")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("not a timestamp: 'banana'").doesNotContain("\tat ");
    assertThat(run("parse", "-5")).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void unknownFlagIsAUsageError() {
    assertThat(run("get", "--endpoints", "127.0.0.1:1", "--bogus")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unknown option").doesNotContain("\tat ");
  }

  @Test
  void badPeerListIsAUsageError() {
    assertThat(run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:notaport")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("bad peer 'n1=127.0.0.1:notaport'");
  }

  @Test
  void idNotInPeersIsAUsageError() {
    assertThat(run("serve", "--id", "n9", "--peers", "n1=127.0.0.1:7101")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--id n9 is not one of the --peers");
  }

  @Test
  void badDurationIsAUsageError() {
    assertThat(run("get", "--endpoints", "127.0.0.1:1", "--timeout", "soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'soon' is not a duration");
  }

  @Test
  void getCountOutOfRangeIsAUsageError() {
    assertThat(run("get", "--endpoints", "127.0.0.1:1", "--count", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--count must be in 1..262144, was 0");
  }

  @Test
  void getWithNoServerFailsWithinTheDeadline() throws IOException {
    int port = closedPort();
    long start = System.nanoTime();
    assertThat(run("get", "--endpoints", "127.0.0.1:" + port, "--timeout", "1s")).isEqualTo(ExitCodes.FAILED);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
    assertThat(err.toString()).contains("get failed").doesNotContain("\tat ");
  }

  @Test
  void busyClientPortIsAStartupError() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int raft = closedPort();
      int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + raft, "--grpc-port",
          Integer.toString(busy.getLocalPort()), "--data-dir", dir.resolve("n1").toString());
      assertThat(code).isEqualTo(ExitCodes.STARTUP);
      assertThat(err.toString()).contains("already in use").doesNotContain("\tat ");
    }
  }

  @Test
  void dataDirThatIsAFileIsAStartupError() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + closedPort(), "--grpc-port",
        Integer.toString(closedPort()), "--data-dir", file.toString());
    assertThat(code).isEqualTo(ExitCodes.STARTUP);
    assertThat(err.toString()).contains("not a directory").doesNotContain("\tat ");
  }

  @Test
  void missingConfigFileIsAUsageError() {
    assertThat(run("serve", "--config", dir.resolve("nope.properties").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("config file not found");
  }

  @Test
  void optionsComeFromEnvironmentThenConfigFile() throws IOException {
    Path cfg = Files.writeString(dir.resolve("tso4j.properties"), "count=3\nendpoints=127.0.0.1:1\n");
    env.put("TSO4J_COUNT", "0");
    // The environment wins over the file: count 0 is rejected, proving the value came from TSO4J_COUNT.
    assertThat(run("get", "--config", cfg.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("was 0");
    // A flag wins over both.
    err.getBuffer().setLength(0);
    assertThat(run("get", "--config", cfg.toString(), "--count", "262145")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("was 262145");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
