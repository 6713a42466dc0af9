package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

final class FollowerAbsencesTest {
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  @Test
  void aFollowerSilentForTheElectionTimeoutIsRecentlyAbsentForTheSettlingTimeOnly() {
    FollowerAbsences absences = new FollowerAbsences(Duration.ofMillis(400));
    absences.onPoll(role(follower("n2", 30), follower("n3", 399)), 0);
    assertThat(absences.recentlyAbsent("n2", 0)).isFalse();
    assertThat(absences.recentlyAbsent("n3", 0)).as("399 ms is not yet an absence").isFalse();

    absences.onPoll(role(follower("n2", 30), follower("n3", 2_500)), S);
    assertThat(absences.recentlyAbsent("n3", S)).isTrue();
    assertThat(absences.recentlyAbsent("n3", S + FollowerAbsences.SETTLE.toNanos() - 1)).isTrue();
    assertThat(absences.recentlyAbsent("n3", S + FollowerAbsences.SETTLE.toNanos())).isFalse();
    assertThat(absences.recentlyAbsent("n2", S)).isFalse();

    absences.onPoll(RoleInfoProto.getDefaultInstance(), 2 * S);
    assertThat(absences.recentlyAbsent("n2", 2 * S)).as("a follower's role records nothing").isFalse();
  }

  @Test
  void aHandoffTriesTheFollowersByRecencyAndTheRecentlyAbsentLast() {
    RoleInfoProto role = role(follower("n2", 5), follower("n3", 40), follower("n4", 1));
    assertThat(LeadershipTransfer.targets(role, id -> false)).extracting(RaftPeerId::toString)
        .as("control: nobody absent, by how recently each answered").containsExactly("n4", "n2", "n3");
    assertThat(LeadershipTransfer.targets(role, Set.of("n4")::contains)).extracting(RaftPeerId::toString)
        .containsExactly("n2", "n3", "n4");
    assertThat(LeadershipTransfer.targets(RoleInfoProto.getDefaultInstance(), id -> false)).isEmpty();
  }

  private static RoleInfoProto role(ServerRpcProto... followers) {
    LeaderInfoProto.Builder leader = LeaderInfoProto.newBuilder();
    for (ServerRpcProto f : followers) {
      leader.addFollowerInfo(f);
    }
    return RoleInfoProto.newBuilder().setLeaderInfo(leader).build();
  }

  private static ServerRpcProto follower(String id, long silentMillis) {
    return ServerRpcProto.newBuilder()
        .setId(RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(id)))
        .setLastRpcElapsedTimeMs(silentMillis)
        .build();
  }
}
