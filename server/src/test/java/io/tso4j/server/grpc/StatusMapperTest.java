package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.core.RefusedException;
import io.tso4j.core.RefusedException.Reason;
import io.tso4j.core.ServingState;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class StatusMapperTest {
  private final StatusMapper mapper =
      new StatusMapper(MemberDirectory.of("n1", Map.of("n1", "127.0.0.1:7001", "n2", "127.0.0.1:7002")));
  private final ServingState followerOfN2 =
      new ServingState(ServingState.Status.NOT_SERVING, 5, Optional.of("n2"));
  private final ServingState leaderless = new ServingState(ServingState.Status.NOT_SERVING, 5, Optional.empty());

  @ParameterizedTest
  @EnumSource(value = Reason.class, names = {"NOT_SERVING", "LEASE_EXPIRED", "WINDOW_EXHAUSTED"})
  void retryableRefusalsAreUnavailableWithTheLeaderHint(Reason reason) {
    StatusRuntimeException e = mapper.refused(new RefusedException(reason, "because"), followerOfN2);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("n1").contains(reason.name()).contains("because")
        .contains("leader is n2 at 127.0.0.1:7002 in term 5");
    assertThat(e.getTrailers().get(WireKeys.LEADER_HINT))
        .isEqualTo(LeaderHint.newBuilder().setId("n2").setEndpoint("127.0.0.1:7002").setTerm(5).build());
  }

  @ParameterizedTest
  @EnumSource(value = ServingState.Status.class, names = {"NOT_SERVING", "FROZEN", "STOPPED"})
  void aNodeThatLeadsButWillNotServeSoonDoesNotNameItself(ServingState.Status status) {
    // Seen before the rule: "NOT_SERVING: not serving; leader is n1" from n1, so a client retried the same node.
    ServingState selfLed = new ServingState(status, 5, Optional.of("n1"));

    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.NOT_SERVING, "stopping"), selfLed,
        Optional.empty());

    assertThat(e.getTrailers() == null || e.getTrailers().get(WireKeys.LEADER_HINT) == null).isTrue();
    assertThat(e.getStatus().getDescription()).contains("this node leads term 5 (" + status + ")");
  }

  @Test
  void aFencingNodeNamesItselfWithItsEstimate() {
    ServingState fencing = new ServingState(ServingState.Status.FENCING, 6, Optional.of("n1"));

    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.NOT_SERVING, "fencing"), fencing,
        Optional.of(Duration.ofMillis(180).plusNanos(1)));

    assertThat(e.getTrailers().get(WireKeys.LEADER_HINT)).isEqualTo(LeaderHint.newBuilder().setId("n1")
        .setEndpoint("127.0.0.1:7001").setTerm(6).setServingInMs(181).build());
  }

  @Test
  void aFencingNodeDoesNotNameItselfWhenItServesOnlyAfterTheCallsDeadline() throws Exception {
    ServingState fencing = new ServingState(ServingState.Status.FENCING, 6, Optional.of("n1"));
    Context withDeadline = Context.current().withDeadlineAfter(50, TimeUnit.MILLISECONDS,
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r);
          t.setDaemon(true);
          return t;
        }));

    StatusRuntimeException e = withDeadline.call(() -> mapper.refused(
        new RefusedException(Reason.NOT_SERVING, "fencing"), fencing, Optional.of(Duration.ofSeconds(2))));

    assertThat(e.getTrailers() == null || e.getTrailers().get(WireKeys.LEADER_HINT) == null).isTrue();
  }

  @Test
  void aServingNodeExtendingItsWindowNamesItself() {
    ServingState serving = new ServingState(ServingState.Status.SERVING, 6, Optional.of("n1"));

    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.WINDOW_EXHAUSTED, "extending"), serving,
        Optional.empty());

    assertThat(e.getTrailers().get(WireKeys.LEADER_HINT).getId()).isEqualTo("n1");
  }

  @Test
  void unavailableWithoutAKnownLeaderHasNoHint() {
    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.NOT_SERVING, "not serving"), leaderless);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("leader unknown");
    assertThat(e.getTrailers() == null || e.getTrailers().get(WireKeys.LEADER_HINT) == null).isTrue();
  }

  @Test
  void hintForALeaderWithUnknownEndpointHasAnEmptyEndpoint() {
    ServingState state = new ServingState(ServingState.Status.NOT_SERVING, 2, Optional.of("n7"));

    assertThat(mapper.leaderHint(state)).contains(LeaderHint.newBuilder().setId("n7").setTerm(2).build());
  }

  @Test
  void invalidCountNamesTheCountAndTheRange() {
    StatusRuntimeException e = mapper.invalidCount(4294967295L);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("count must be in 1..262144, was 4294967295");
  }

  @Test
  void invalidCountRefusalIsInvalidArgument() {
    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.INVALID_COUNT, "count must be in "
        + "1..262144, was 0"), followerOfN2);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("was 0");
  }

  @Test
  void poisonedIsFailedPrecondition() {
    StatusRuntimeException e = mapper.refused(new RefusedException(Reason.POISONED, "poisoned"), leaderless);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("n1").contains("poisoned").contains("will not serve again");
  }

  @Test
  void unexpectedExceptionIsInternalAndLeaksNothing() {
    StatusRuntimeException e = mapper.unexpected(new IllegalStateException("secret detail"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).isEqualTo("internal error on n1 (IllegalStateException)");
    assertThat(e.getStatus().getCause()).isNull();
  }
}
