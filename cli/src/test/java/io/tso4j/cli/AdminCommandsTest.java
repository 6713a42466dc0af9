package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.proto.v1.ListMembersResponse;
import io.tso4j.proto.v1.MemberInfo;
import io.tso4j.proto.v1.MemberRole;
import io.tso4j.proto.v1.NodeState;
import io.tso4j.proto.v1.ServingStatus;
import io.tso4j.ratis.InitialFloor;
import io.tso4j.server.admin.RegisterBackup;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership, admin and restore commands' answers to bad input and unreachable nodes (one line, an exit code, no
 * stack trace), the members table and JSON, the restore floor, and storage checks through {@code serve} (exit 3).
 */
@Timeout(60)
final class AdminCommandsTest {
  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void joinAndPeersExcludeEachOtherAndJoinNeedsAPeerAddress() throws IOException {
    assertThat(run("serve", "--id", "n4", "--peers", "n4=127.0.0.1:1", "--join", "127.0.0.1:2")).isEqualTo(2);
    assertThat(err.toString()).contains("exclude each other").doesNotContain("\tat ");
    assertThat(run("serve", "--id", "n4", "--join", "127.0.0.1:2", "--data-dir", dir.resolve("d").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--join needs --peer-address");
    assertThat(run("serve", "--id", "n4")).isEqualTo(2);
    assertThat(err.toString()).contains("--peers");
  }

  @Test
  void aJoinThatNobodyAcceptsIsAStartupError() throws IOException {
    int code = run("serve", "--id", "n4", "--join", "127.0.0.1:" + closedPort(), "--peer-address",
        "127.0.0.1:" + closedPort() + "/" + closedPort(), "--join-timeout", "2s", "--data-dir",
        dir.resolve("n4").toString());
    assertThat(code).isEqualTo(ExitCodes.STARTUP);
    assertThat(err.toString()).contains("could not join").doesNotContain("\tat ");
  }

  @Test
  void anInitialFloorIsRefusedForADataDirThatHoldsALog() throws IOException {
    Path data = dir.resolve("n1");
    Files.createDirectories(data.resolve("75a0c0d4-7473-6f34-6a00-000000000001"));
    int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + closedPort(), "--data-dir", data.toString(),
        "--initial-floor", "123");
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("formed for the first time").contains("raise-floor")
        .doesNotContain("\tat ");
    assertThat(Files.exists(data.resolve(InitialFloor.FILE_NAME))).isFalse();
  }

  @Test
  void anInitialFloorIsWrittenAsItsPhysicalPartIntoAFreshDataDir() throws IOException {
    Path data = dir.resolve("fresh");
    long ts = io.tso4j.timestamp.Timestamp.pack(4_000_000_000_000L, 17);
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // The busy client port stops the node after the floor was written (RestoreIT starts clusters from such files).
      int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + closedPort(), "--grpc-port",
          Integer.toString(busy.getLocalPort()), "--data-dir", data.toString(), "--initial-floor", Long.toString(ts));
      assertThat(code).isEqualTo(ExitCodes.STARTUP);
    }
    assertThat(Files.readString(data.resolve(InitialFloor.FILE_NAME)).strip()).isEqualTo("4000000000000");
    assertThat(run("serve", "--id", "n1", "--join", "127.0.0.1:1", "--peer-address", "127.0.0.1:2/3",
        "--initial-floor", "5", "--data-dir", dir.resolve("j").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("not to a node that joins");
  }

  @Test
  void aDataDirFromANewerVersionIsAStartupErrorNamingTheFile() throws IOException {
    Path data = Files.createDirectories(dir.resolve("newer"));
    Files.writeString(data.resolve("tso4j-format"), "tso4j-data 7\n");
    int code = run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:" + closedPort(), "--grpc-port",
        Integer.toString(closedPort()), "--data-dir", data.toString());
    assertThat(code).isEqualTo(ExitCodes.STARTUP);
    assertThat(err.toString()).contains("tso4j-format").contains("newer").doesNotContain("\tat ");
  }

  @Test
  void adminCommandsWithNoServerFailWithinTheirTimeout() throws IOException {
    String e = "127.0.0.1:" + closedPort();
    long start = System.nanoTime();
    assertThat(run("admin", "remove-member", "--endpoints", e, "--id", "n1", "--timeout", "1s"))
        .isEqualTo(ExitCodes.FAILED);
    assertThat(run("members", "--endpoints", e, "--timeout", "1s")).isEqualTo(ExitCodes.FAILED);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(20_000);
    assertThat(err.toString()).contains("remove-member n1 failed").contains("members failed")
        .doesNotContain("\tat ");
  }

  @Test
  void badAdminArgumentsAreUsageErrors() {
    assertThat(run("admin", "add-member", "--endpoints", "127.0.0.1:1", "--id", "n4", "--peer-address", "nope"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--peer-address");
    assertThat(run("admin", "raise-floor", "--endpoints", "127.0.0.1:1", "--at-least", "-5"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run("admin", "raise-floor", "--endpoints", "127.0.0.1:1", "--at-least", "x"))
        .isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void anAdminTargetNeverComesFromTheEnvironmentOrAConfigFile() {
    env.put("TSO4J_ID", "n1");
    assertThat(run("admin", "remove-member", "--endpoints", "127.0.0.1:1", "--timeout", "1s"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--id");
  }

  @Test
  void restoreWritesTheLargestOfTheMarkTheShiftedClockAndTheGivenTimestamp() throws IOException {
    RegisterBackup b = new RegisterBackup(5_000_000, 4_000_000, 3);
    assertThat(RestoreCommand.floor(b, 1_000_000, Duration.ofSeconds(10), 0)).isEqualTo(5_000_000);
    assertThat(RestoreCommand.floor(b, 6_000_000, Duration.ofSeconds(10), 0)).isEqualTo(6_010_000);
    assertThat(RestoreCommand.floor(b, 1_000_000, Duration.ZERO, 9_000_000L << 18)).isEqualTo(9_000_000);

    Path backup = Files.write(dir.resolve("b"), b.encode());
    Path data = dir.resolve("restored");
    assertThat(run("restore", "--from", backup.toString(), "--data-dir", data.toString(), "--clock-margin", "0s"))
        .isZero();
    long floor = Long.parseLong(Files.readString(data.resolve(InitialFloor.FILE_NAME)).strip());
    assertThat(floor).isGreaterThanOrEqualTo(System.currentTimeMillis() - 60_000);
    byte[] damaged = b.encode();
    damaged[20] ^= 1;
    Files.write(backup, damaged);
    assertThat(run("restore", "--from", backup.toString(), "--data-dir", dir.resolve("x").toString()))
        .isEqualTo(ExitCodes.FAILED);
    assertThat(err.toString()).contains("checksum").doesNotContain("\tat ");
  }

  @Test
  void membersTableAndJsonShowEveryColumn() {
    ListMembersResponse view = ListMembersResponse.newBuilder().setConfigurationIndex(12)
        .addMembers(MemberInfo.newBuilder().setId("n1").setRaftAddress("h:7101").setClientEndpoint("h:7001")
            .setRole(MemberRole.MEMBER_ROLE_LEADER).setLag(-1))
        .addMembers(MemberInfo.newBuilder().setId("n4").setRaftAddress("h:7104")
            .setRole(MemberRole.MEMBER_ROLE_LEARNER).setLag(3))
        .build();
    NodeState leader = NodeState.newBuilder().setId("n1").setStatus(ServingStatus.SERVING_STATUS_SERVING).setTerm(4)
        .setLastAppliedIndex(99).build();
    List<MembersCommand.Row> rows = List.of(new MembersCommand.Row(view.getMembers(0), leader),
        new MembersCommand.Row(view.getMembers(1), null));
    String table = MembersCommand.table(rows);
    assertThat(table.lines().toList()).hasSize(3);
    assertThat(table).contains("ID").contains("LAG")
        .containsPattern("n1 +leader +h:7101 +h:7001 +serving +4 +99 +-")
        .containsPattern("n4 +learner +h:7104 +\\? +unreachable +- +- +3");
    assertThat(MembersCommand.json(view, rows)).isEqualTo("{\"configurationIndex\":12,\"members\":["
        + "{\"id\":\"n1\",\"role\":\"leader\",\"raftAddress\":\"h:7101\",\"clientEndpoint\":\"h:7001\","
        + "\"state\":\"serving\",\"term\":4,\"lastAppliedIndex\":99,\"lag\":null},"
        + "{\"id\":\"n4\",\"role\":\"learner\",\"raftAddress\":\"h:7104\",\"clientEndpoint\":\"\","
        + "\"state\":\"unreachable\",\"term\":null,\"lastAppliedIndex\":null,\"lag\":3}]}\n");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
