package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.ServingState;
import io.tso4j.core.memory.InMemoryDriver;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node that expects to serve soon holds a request that allows it ({@code max_wait_ms}) instead of refusing it, and
 * answers it the moment it serves; every case has its counterpart without the wait (refused at once, as before).
 */
final class TsoGrpcServiceHoldTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aNodeThatKnowsNoLeaderHoldsTheRequestAndServesItOnceItLeads() throws Exception {
    try (TestNode node = TestNode.withoutLeader("n1")) {
      ManagedChannel ch = Loopback.channel(node.server.port());
      try {
        assertThatThrownBy(() -> blocking(ch).getTimestamp(request(0)))
            .as("control: without max_wait_ms the refusal comes at once")
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

        ListenableFuture<GetTimestampResponse> held = future(ch).getTimestamp(request(900));
        await().atMost(WAIT).until(() -> node.service.heldRequests() == 1);
        Thread.sleep(100);
        assertThat(held.isDone()).as("held, not refused").isFalse();

        node.driver.setLeadership(new LeadershipEvent.Leader(1));
        GetTimestampResponse r = held.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.getTerm()).isEqualTo(1);
        assertThat(r.getCount()).isEqualTo(1);
        assertThat(node.service.heldRequests()).isZero();
      } finally {
        Loopback.close(ch);
      }
      assertThat(node.fatalErrors).isEmpty();
    }
  }

  @Test
  void aHeldRequestIsSentToTheLeaderTheNodeLearnsOfAtOnce() throws Exception {
    try (TestNode node = TestNode.withoutLeader("n1")) {
      ManagedChannel ch = Loopback.channel(node.server.port());
      try {
        ListenableFuture<GetTimestampResponse> held = future(ch).getTimestamp(request(900));
        await().atMost(WAIT).until(() -> node.service.heldRequests() == 1);
        long start = System.nanoTime();

        node.driver.setLeadership(InMemoryDriver.follower(2, "n2"));
        assertThat(held).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).satisfies(e -> {
          assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(Status.trailersFromThrowable(e.getCause()).get(WireKeys.LEADER_HINT).getId())
              .isEqualTo("n2");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before its 900 ms wait ended")
            .isLessThan(Duration.ofMillis(600));
      } finally {
        Loopback.close(ch);
      }
    }
  }

  @Test
  void aHeldRequestGetsTheRefusalWhenItsWaitEndsWithinHalfTheDeadline() throws Exception {
    try (TestNode node = TestNode.withoutLeader("n1")) {
      ManagedChannel ch = Loopback.channel(node.server.port());
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> blocking(ch).getTimestamp(request(150)))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));

        assertThatThrownBy(() -> TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(400, TimeUnit.MILLISECONDS)
            .getTimestamp(request(1000)))
            .as("a 400 ms deadline holds at most 200 ms: the client gets the refusal, not DEADLINE_EXCEEDED")
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        await().atMost(WAIT).until(() -> node.service.heldRequests() == 0);
      } finally {
        Loopback.close(ch);
      }
    }
  }

  @Test
  void aFrozenLeaderHoldsTheStreamsRequestUntilARenewalCommitsThenAnswersAndCompletesTheHalfClose()
      throws Exception {
    try (TestNode node = TestNode.leader("n1")) {
      ManagedChannel ch = Loopback.channel(node.server.port());
      try {
        node.breakable.stallWrites(true);
        await().atMost(WAIT).until(() -> node.oracle.state().status() == ServingState.Status.FROZEN);

        ResponseCollector collector = new ResponseCollector();
        StreamObserver<GetTimestampRequest> requests = TimestampOracleGrpc.newStub(ch)
            .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS).streamTimestamps(collector);
        requests.onNext(request(900));
        requests.onCompleted();
        await().atMost(WAIT).until(() -> node.service.heldRequests() == 1);
        Thread.sleep(100);
        assertThat(collector.done).as("held through the half-close").isNotDone();

        node.breakable.stallWrites(false);
        assertThat(collector.done).succeedsWithin(WAIT);
        assertThat(collector.responses).hasSize(1);
        assertThat(collector.responses.get(0).getTerm()).isEqualTo(1);
        assertThat(collector.responses.get(0).getRequestId()).isEqualTo(7);

        node.breakable.stallWrites(true);
        await().atMost(WAIT).until(() -> node.oracle.state().status() == ServingState.Status.FROZEN);
        ResponseCollector control = new ResponseCollector();
        TimestampOracleGrpc.newStub(ch).withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
            .streamTimestamps(control).onNext(request(0));
        assertThat(control.done).as("control: without max_wait_ms a frozen leader refuses at once")
            .failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
            .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE));
        node.breakable.stallWrites(false);
      } finally {
        Loopback.close(ch);
      }
      assertThat(node.fatalErrors).isEmpty();
    }
  }

  private static TimestampOracleGrpc.TimestampOracleBlockingStub blocking(ManagedChannel ch) {
    return TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static TimestampOracleGrpc.TimestampOracleFutureStub future(ManagedChannel ch) {
    return TimestampOracleGrpc.newFutureStub(ch).withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static GetTimestampRequest request(int maxWaitMillis) {
    return GetTimestampRequest.newBuilder().setCount(1).setRequestId(7).setMaxWaitMs(maxWaitMillis).build();
  }
}
