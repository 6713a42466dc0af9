package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tso4j.timestamp.Timestamp;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.Member;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import io.tso4j.core.ServingState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TsoGrpcServiceTest {
  private static final long WAIT_SECONDS = 10;

  private TestNode leader;
  private ManagedChannel channel;
  private TimestampOracleGrpc.TimestampOracleBlockingStub stub;

  @BeforeEach
  void setUp() throws Exception {
    leader = TestNode.leader("n1");
    channel = Loopback.channel(leader.server.port());
    stub = TimestampOracleGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    Loopback.close(channel);
    leader.close();
    assertThat(leader.fatalErrors).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 262145})
  void getTimestampRejectsCountOutsideTheRange(int count) {
    String asSent = Long.toString(Integer.toUnsignedLong(count));

    assertThatThrownBy(() -> stub.getTimestamp(request(count, 7)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("1..262144").endsWith("was " + asSent);
        });
  }

  @Test
  void getTimestampHandsOutRangesThatOnlyGoUp() {
    GetTimestampResponse a = stub.getTimestamp(request(10, 1));
    GetTimestampResponse b = stub.getTimestamp(request(1, 2));
    GetTimestampResponse max = stub.getTimestamp(request(WireKeys.MAX_COUNT, 3));

    assertThat(a.getCount()).isEqualTo(10);
    assertThat(a.getRequestId()).isEqualTo(1);
    assertThat(a.getTerm()).isEqualTo(1);
    assertThat(b.getFirst()).isGreaterThan(a.getFirst() + a.getCount() - 1);
    assertThat(b.getRequestId()).isEqualTo(2);
    assertThat(max.getCount()).isEqualTo(WireKeys.MAX_COUNT);
    assertThat(max.getFirst()).isGreaterThan(b.getFirst());
    assertThat(Timestamp.logicalOf(max.getFirst())).isZero();
  }

  @Test
  void streamAnswersEveryRequestInOrderAndCompletesOnHalfClose() throws Exception {
    ResponseCollector collector = new ResponseCollector();
    StreamObserver<GetTimestampRequest> requests = TimestampOracleGrpc.newStub(channel)
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).streamTimestamps(collector);
    int n = 200;
    for (int i = 1; i <= n; i++) {
      requests.onNext(request(1 + i % 7, 1000 + i));
    }
    requests.onCompleted();

    collector.done.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(collector.responses).hasSize(n);
    long previousLast = -1;
    for (int i = 0; i < n; i++) {
      GetTimestampResponse r = collector.responses.get(i);
      assertThat(r.getRequestId()).isEqualTo(1001 + i);
      assertThat(r.getCount()).isEqualTo(1 + (i + 1) % 7);
      assertThat(r.getFirst()).isGreaterThan(previousLast);
      previousLast = r.getFirst() + r.getCount() - 1;
    }
  }

  @Test
  void streamEndsWithInvalidArgumentAfterAnsweringEarlierRequests() throws Exception {
    ResponseCollector collector = new ResponseCollector();
    StreamObserver<GetTimestampRequest> requests = TimestampOracleGrpc.newStub(channel)
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).streamTimestamps(collector);
    requests.onNext(request(1, 1));
    requests.onNext(request(2, 2));
    requests.onNext(request(0, 3));
    requests.onNext(request(1, 4));

    assertThat(collector.done).failsWithin(Duration.ofSeconds(WAIT_SECONDS))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .satisfies(e -> {
          Status s = Status.fromThrowable(e.getCause());
          assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(s.getDescription()).contains("was 0");
        });
    assertThat(collector.responses).extracting(GetTimestampResponse::getRequestId).containsExactly(1L, 2L);
    requests.onCompleted();
  }

  @Test
  void streamCancelledByTheClientLeavesTheServerServing() throws Exception {
    ResponseCollector collector = new ResponseCollector();
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    StreamObserver<GetTimestampRequest> requests = ctx.call(() -> TimestampOracleGrpc.newStub(channel)
        .streamTimestamps(collector));
    requests.onNext(request(1, 1));
    await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> collector.responses.size() == 1);

    ctx.cancel(null);

    assertThat(collector.done).failsWithin(Duration.ofSeconds(WAIT_SECONDS));
    GetTimestampResponse after = stub.getTimestamp(request(1, 2));
    assertThat(after.getFirst()).isGreaterThan(collector.responses.get(0).getFirst());
  }

  @Test
  void followerAnswersUnavailableWithTheLeaderHintInTheTrailers() throws Exception {
    Map<String, String> members = new LinkedHashMap<>();
    members.put("n1", "");
    members.put("n2", "127.0.0.1:7999");
    try (TestNode follower = TestNode.follower("n1", 3, "n2", members)) {
      ManagedChannel ch = Loopback.channel(follower.server.port());
      try {
        TimestampOracleGrpc.TimestampOracleBlockingStub followerStub =
            TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThatThrownBy(() -> followerStub.getTimestamp(request(1, 1)))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("n1").contains("NOT_SERVING")
                  .contains("leader is n2 at 127.0.0.1:7999 in term 3");
              assertThat(e.getTrailers().get(WireKeys.LEADER_HINT)).isEqualTo(
                  LeaderHint.newBuilder().setId("n2").setEndpoint("127.0.0.1:7999").setTerm(3).build());
            });

        ResponseCollector collector = new ResponseCollector();
        StreamObserver<GetTimestampRequest> requests = TimestampOracleGrpc.newStub(ch)
            .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).streamTimestamps(collector);
        requests.onNext(request(1, 1));
        assertThat(collector.done).failsWithin(Duration.ofSeconds(WAIT_SECONDS))
            .withThrowableOfType(java.util.concurrent.ExecutionException.class)
            .satisfies(e -> {
              assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(Status.trailersFromThrowable(e.getCause()).get(WireKeys.LEADER_HINT).getId())
                  .isEqualTo("n2");
            });
        assertThat(collector.responses).isEmpty();

        GetMembersResponse m = followerStub.getMembers(GetMembersRequest.getDefaultInstance());
        assertThat(m.getServing()).isFalse();
        assertThat(m.getResponderId()).isEqualTo("n1");
        assertThat(m.getLeader().getId()).isEqualTo("n2");
        assertThat(m.getLeader().getEndpoint()).isEqualTo("127.0.0.1:7999");
        assertThat(m.getMembersList()).extracting(Member::getId, Member::getEndpoint)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("n1", ""),
                org.assertj.core.groups.Tuple.tuple("n2", "127.0.0.1:7999"));
      } finally {
        Loopback.close(ch);
      }
      assertThat(follower.fatalErrors).isEmpty();
    }
  }

  @Test
  void leaderThatStepsDownStartsAnsweringUnavailable() {
    stub.getTimestamp(request(1, 1));

    leader.driver.setLeadership(io.tso4j.core.memory.InMemoryDriver.follower(2, "n2"));
    await().atMost(Duration.ofSeconds(WAIT_SECONDS))
        .until(() -> leader.oracle.state().status() == ServingState.Status.NOT_SERVING);

    assertThatThrownBy(() -> stub.getTimestamp(request(1, 2)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          LeaderHint hint = e.getTrailers().get(WireKeys.LEADER_HINT);
          assertThat(hint.getId()).isEqualTo("n2");
          assertThat(hint.getEndpoint()).isEmpty();
          assertThat(hint.getTerm()).isEqualTo(2);
        });
  }

  @Test
  void getMembersOnTheLeaderNamesItselfAndServes() {
    GetMembersResponse m = stub.getMembers(GetMembersRequest.getDefaultInstance());

    assertThat(m.getServing()).isTrue();
    assertThat(m.getResponderId()).isEqualTo("n1");
    assertThat(m.getLeader().getId()).isEqualTo("n1");
    assertThat(m.getLeader().getTerm()).isEqualTo(1);
    assertThat(m.getMembersList()).extracting(Member::getId).containsExactly("n1");
  }

  @Test
  void poisonedNodeAnswersFailedPrecondition() {
    leader.breakable.breakPermanently();
    await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> !leader.fatalErrors.isEmpty());
    await().atMost(Duration.ofSeconds(WAIT_SECONDS))
        .until(() -> leader.oracle.state().status() == ServingState.Status.POISONED);

    assertThatThrownBy(() -> stub.getTimestamp(request(1, 1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("n1").contains("poisoned");
        });
    leader.fatalErrors.clear();
  }

  @Test
  void serviceRefusesADirectoryOfAnotherNode() {
    assertThatThrownBy(() -> new TsoGrpcService(leader.oracle, MemberDirectory.single("n9", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n9").hasMessageContaining("n1");
  }

  private static GetTimestampRequest request(int count, long requestId) {
    return GetTimestampRequest.newBuilder().setCount(count).setRequestId(requestId).build();
  }
}
