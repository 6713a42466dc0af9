package io.tso4j.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.AddMemberRequest;
import io.tso4j.proto.v1.AddMemberResponse;
import io.tso4j.proto.v1.GetHighWaterRequest;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.ListMembersRequest;
import io.tso4j.proto.v1.ListMembersResponse;
import io.tso4j.proto.v1.MemberInfo;
import io.tso4j.proto.v1.MemberRole;
import io.tso4j.proto.v1.RaiseFloorRequest;
import io.tso4j.proto.v1.RaiseFloorResponse;
import io.tso4j.proto.v1.RemoveMemberRequest;
import io.tso4j.proto.v1.SnapshotRequest;
import io.tso4j.proto.v1.TransferLeaderRequest;
import io.tso4j.server.PeerSpec;
import io.tso4j.timestamp.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin service over real in-process nodes (real Ratis, real gRPC on loopback): add a member as learner then voter,
 * idempotently; redirects from followers with the leader hint; removing the leader hands off first; the members every
 * service reports follow the committed configuration; transfer, raise-floor, high-water and snapshot.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
final class MembershipIT {
  @TempDir
  Path dir;

  @Test
  void addRemoveTransferAndFloorOnAThreeNodeGroup() throws Exception {
    PeerSpec n1 = AdminNodes.spec("n1");
    PeerSpec n2 = AdminNodes.spec("n2");
    PeerSpec n3 = AdminNodes.spec("n3");
    PeerSpec n4 = AdminNodes.spec("n4");
    try (AdminNodes nodes = new AdminNodes(dir)) {
      nodes.form(List.of(n1, n2, n3));
      String leader = nodes.awaitLeader();
      String follower = List.of("n1", "n2", "n3").stream().filter(id -> !id.equals(leader)).findFirst().get();

      // A follower redirects an admin write with the same leader hint as a refused allocation.
      nodes.join(n4);
      AddMemberRequest add = AddMemberRequest.newBuilder().setId("n4").setRaftAddress(n4.raftAddress())
          .setClientEndpoint(n4.clientEndpoint()).build();
      StatusRuntimeException redirect = catchStatus(() -> nodes.admin(follower).addMember(add));
      assertThat(redirect.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      LeaderHint hint = redirect.getTrailers().get(WireKeys.LEADER_HINT);
      assertThat(hint.getId()).isEqualTo(leader);
      assertThat(hint.getEndpoint()).isEqualTo(nodes.node(leader).endpoint());

      AddMemberResponse added = nodes.admin(leader).addMember(add);
      assertThat(added.getChanged()).isTrue();
      assertThat(roles(added.getMembersList())).containsEntry("n4", MemberRole.MEMBER_ROLE_FOLLOWER)
          .containsEntry(leader, MemberRole.MEMBER_ROLE_LEADER).hasSize(4);
      assertThat(nodes.admin(leader).addMember(add).getChanged()).as("idempotent on the id").isFalse();
      StatusRuntimeException clash = catchStatus(() -> nodes.admin(leader).addMember(add.toBuilder()
          .setRaftAddress("127.0.0.1:1").build()));
      assertThat(clash.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(clash.getStatus().getDescription()).contains("n4 already exists");

      // Every node's view follows the committed configuration: the joined node included.
      awaitDirectory(nodes, "n4", Map.of("n1", n1.clientEndpoint(), "n2", n2.clientEndpoint(),
          "n3", n3.clientEndpoint(), "n4", n4.clientEndpoint()));
      awaitLagKnown(nodes, leader);
      ListMembersResponse onN4 = nodes.admin("n4").listMembers(ListMembersRequest.getDefaultInstance());
      assertThat(onN4.getResponder().getRole()).isEqualTo(MemberRole.MEMBER_ROLE_FOLLOWER);
      assertThat(onN4.getMembersList()).extracting(MemberInfo::getId).containsExactlyInAnyOrder("n1", "n2", "n3",
          "n4");

      try (TsoClient client = TsoClient.newBuilder().endpoints(nodes.endpoints().toArray(new String[0]))
          .callTimeout(Duration.ofSeconds(10)).build()) {
        long before = getWithin(client).last().toLong();

        // Removing the leader: it hands off first and redirects; the new leader removes it.
        StatusRuntimeException handOff = catchStatus(() -> nodes.admin(leader)
            .removeMember(RemoveMemberRequest.newBuilder().setId(leader).build()));
        assertThat(handOff.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        String next = handOff.getTrailers().get(WireKeys.LEADER_HINT).getId();
        assertThat(next).isNotEqualTo(leader);
        assertThat(nodes.onLeader(next, a -> a.removeMember(RemoveMemberRequest.newBuilder().setId(leader).build()))
            .getChanged()).isTrue();
        nodes.stop(leader);
        String newLeader = nodes.awaitLeader();
        assertThat(roles(nodes.admin(newLeader).listMembers(ListMembersRequest.getDefaultInstance())
            .getMembersList())).doesNotContainKey(leader).hasSize(3);
        long afterRemove = getWithin(client).first().toLong();
        assertThat(afterRemove).isGreaterThan(before);

        // Transfer to n4 (the joined node) unless it already leads.
        String target = newLeader.equals("n4") ? List.of("n1", "n2", "n3").stream()
            .filter(id -> !id.equals(leader)).findFirst().get() : "n4";
        // A transfer that loses a race with an election is refused as UNAVAILABLE; onLeader asks again.
        nodes.onLeader(newLeader, a -> a.transferLeader(TransferLeaderRequest.newBuilder().setTo(target).build()));
        nodes.awaitLeaderIs(target);

        // Raise the floor two minutes ahead: every later timestamp is above it, the mark holds it.
        long floor = Timestamp.pack(System.currentTimeMillis() + 120_000, 5);
        RaiseFloorResponse raised = nodes.onLeader(target, a -> a.raiseFloor(RaiseFloorRequest.newBuilder()
            .setAtLeast(floor).build()));
        assertThat(raised.getNewTerm()).isTrue();
        assertThat(raised.getHighWaterMs()).isGreaterThanOrEqualTo(Timestamp.physicalOf(floor));
        assertThat(getWithin(client).first().toLong()).isGreaterThan(floor);
        String afterFloor = nodes.awaitLeader();
        assertThat(nodes.admin(afterFloor).getHighWater(GetHighWaterRequest.getDefaultInstance()).getHighWaterMs())
            .isGreaterThanOrEqualTo(Timestamp.physicalOf(floor));
        // A floor below what was served changes nothing and needs no new term.
        assertThat(nodes.onLeader(afterFloor, a -> a.raiseFloor(RaiseFloorRequest.newBuilder().setAtLeast(before)
            .build())).getNewTerm()).isFalse();

        // A backup holds a mark at least that high.
        byte[] backup = nodes.onLeader(afterFloor, a -> a.snapshot(SnapshotRequest.getDefaultInstance()).next())
            .getData().toByteArray();
        assertThat(RegisterBackup.decode(backup).highWaterMillis()).isGreaterThanOrEqualTo(
            Timestamp.physicalOf(floor));
        assertThat(client.orderViolations()).isZero();
      }
    }
  }

  @Test
  void aOneNodeGroupRefusesToLoseItsLastVoterAndRaisesTheFloorByANewTerm() throws Exception {
    PeerSpec n1 = AdminNodes.spec("n1");
    try (AdminNodes nodes = new AdminNodes(dir)) {
      nodes.form(List.of(n1));
      nodes.awaitLeader();
      StatusRuntimeException last = catchStatus(() -> nodes.admin("n1")
          .removeMember(RemoveMemberRequest.newBuilder().setId("n1").build()));
      assertThat(last.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(last.getStatus().getDescription()).contains("last voter");
      assertThat(nodes.admin("n1").removeMember(RemoveMemberRequest.newBuilder().setId("n9").build()).getChanged())
          .as("removing a non-member is a no-op").isFalse();
      StatusRuntimeException bad = catchStatus(() -> nodes.admin("n1").addMember(AddMemberRequest.newBuilder()
          .setId("n 2").setRaftAddress("x").build()));
      assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

      try (TsoClient client = TsoClient.newBuilder().endpoints(n1.clientEndpoint())
          .callTimeout(Duration.ofSeconds(10)).build()) {
        getWithin(client);
        long floor = Timestamp.pack(System.currentTimeMillis() + 60_000, 0);
        assertThat(nodes.onLeader("n1", a -> a.raiseFloor(RaiseFloorRequest.newBuilder().setAtLeast(floor).build()))
            .getNewTerm()).isTrue();
        assertThat(getWithin(client).first().toLong()).isGreaterThan(floor);
      }
    }
  }

  private static Map<String, MemberRole> roles(List<MemberInfo> members) {
    return members.stream().collect(Collectors.toMap(MemberInfo::getId, MemberInfo::getRole));
  }

  private static void awaitDirectory(AdminNodes nodes, String id, Map<String, String> expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Map<String, String> seen = null;
    while (System.nanoTime() < deadline) {
      seen = nodes.getMembers(id);
      if (seen.equals(expected)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + " never saw " + expected + "; saw " + seen);
  }

  /** The leader reports a lag (entries behind its commit index) for every other member, and small ones. */
  private static void awaitLagKnown(AdminNodes nodes, String leader) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<MemberInfo> seen = List.of();
    while (System.nanoTime() < deadline) {
      seen = nodes.admin(leader).listMembers(ListMembersRequest.getDefaultInstance()).getMembersList();
      if (seen.stream().filter(m -> !m.getId().equals(leader)).allMatch(m -> m.getLag() >= 0 && m.getLag() < 1000)
          && seen.stream().filter(m -> m.getId().equals(leader)).allMatch(m -> m.getLag() == -1)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the leader never reported every follower's lag: " + seen);
  }

  private static StatusRuntimeException catchStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a status");
  }

  private static TimestampRange getWithin(TsoClient client) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    TsoException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return client.getTimestamps(1);
      } catch (TsoException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new AssertionError("no timestamp within 30 s", last);
  }
}
