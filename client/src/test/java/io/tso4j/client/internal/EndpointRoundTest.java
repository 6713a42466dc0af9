package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.Member;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.LeaderHint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one failover policy, step by step, with no I/O and a manual ticker. */
final class EndpointRoundTest {
  private static final List<String> SEEDS = List.of("s:1");
  private static final String A = "a:1";
  private static final String B = "b:1";
  private static final String C = "c:1";

  private final ManualTime time = new ManualTime();
  private final LeaderCache leaders = new LeaderCache();
  private final ClusterView view = new ClusterView(SEEDS);
  private final Reachability reach = new Reachability(time);
  private final EndpointRound round = new EndpointRound(new FailoverContext(leaders, view, reach,
      new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)), 2, time), ClientMetrics.NONE);

  private void members(String... endpoints) {
    Member[] ms = new Member[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      ms[i] = new Member("n" + i, endpoints[i]);
    }
    view.learn(List.of(ms));
  }

  private static Failure refused(String leaderEndpoint, long term) {
    return new Failure(Failure.Kind.RETRY, new TsoUnavailableException("not the leader"), Optional.of(
        LeaderHint.newBuilder().setId("x" + leaderEndpoint).setEndpoint(leaderEndpoint).setTerm(term).build()), true);
  }

  private static Failure refusedWithoutHint() {
    return new Failure(Failure.Kind.RETRY, new TsoUnavailableException("not serving"), Optional.empty(), true);
  }

  private static Failure connectionRefused() {
    return Failure.unreachable(new TsoUnavailableException("connection refused"));
  }

  private static EndpointRound.Send send(EndpointRound.Step s) {
    assertThat(s).isInstanceOf(EndpointRound.Send.class);
    return (EndpointRound.Send) s;
  }

  @Test
  void theLeaderFirstThenTheMembersThenTheSeeds() {
    members(A, B);
    leaders.offerHint(3, "n1", B);

    assertThat(send(round.next()).endpoint()).isEqualTo(B);
    assertThat(send(round.failed(B, connectionRefused())).endpoint()).isEqualTo(A);
    assertThat(send(round.failed(A, connectionRefused())).endpoint()).isEqualTo("s:1");
  }

  @Test
  void aHintIsFollowedAtOnce() {
    members(A, B, C);
    send(round.next());

    EndpointRound.Send next = send(round.failed(A, refused(C, 2)));

    assertThat(next.endpoint()).isEqualTo(C);
    assertThat(next.delayNanos()).isZero();
    assertThat(leaders.current().endpoint()).isEqualTo(C);
  }

  @Test
  void aHintOlderThanTheCachedTermIsIgnored() {
    members(A, B, C);
    leaders.offerHint(5, "nA", A);
    send(round.next());

    EndpointRound.Send next = send(round.failed(A, refused(C, 4)));

    assertThat(next.endpoint()).as("the next member, not the stale hint's C").isEqualTo(B);
    assertThat(leaders.current().term()).isEqualTo(5);
  }

  @Test
  void aNewerHintOfTheSameShapeIsFollowed() {
    // Positive control of the test above.
    members(A, B, C);
    leaders.offerHint(5, "nA", A);
    send(round.next());

    assertThat(send(round.failed(A, refused(C, 6))).endpoint()).isEqualTo(C);
  }

  @Test
  void aNodeThatRefusedIsNotTriedAgainInTheRoundUnlessItNamesItself() {
    members(A, B);
    send(round.next());
    assertThat(send(round.failed(A, refusedWithoutHint())).endpoint()).isEqualTo(B);

    EndpointRound.Send self = send(round.failed(B, refused(B, 7)));

    assertThat(self.endpoint()).as("B leads term 7 and will serve soon").isEqualTo(B);
    assertThat(self.delayNanos()).isBetween(TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(20));
  }

  @Test
  void aFencingNodeThatNamesItselfIsAskedAgainAfterItsOwnEstimateWithinTheCap() {
    members(A, B);
    send(round.next());
    Failure fencing300 = new Failure(Failure.Kind.RETRY, new TsoUnavailableException("fencing"), Optional.of(
        LeaderHint.newBuilder().setId("xA").setEndpoint(A).setTerm(7).setServingInMs(300).build()), true);

    EndpointRound.Send again = send(round.failed(A, fencing300));

    assertThat(again.endpoint()).isEqualTo(A);
    assertThat(again.delayNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(300));

    Failure fencingLong = new Failure(Failure.Kind.RETRY, new TsoUnavailableException("fencing"), Optional.of(
        LeaderHint.newBuilder().setId("xA").setEndpoint(A).setTerm(7).setServingInMs(60_000).build()), true);
    assertThat(send(round.failed(A, fencingLong)).delayNanos())
        .as("an estimate is capped").isEqualTo(EndpointRound.MAX_SELF_HINT_WAIT_NANOS);
  }

  @Test
  void theRedirectBudgetBoundsHintChains() {
    members(A, B, C, "d:1");
    send(round.next());
    assertThat(send(round.failed(A, refused(B, 1))).endpoint()).isEqualTo(B);
    assertThat(send(round.failed(B, refused(C, 2))).endpoint()).isEqualTo(C);

    EndpointRound.Step afterBudget = round.failed(C, refused("d:1", 3));

    assertThat(afterBudget).as("budget 2 spent: walk on instead of redirecting").isInstanceOf(
        EndpointRound.Send.class);
    assertThat(((EndpointRound.Send) afterBudget).endpoint()).isEqualTo("d:1");
    assertThat(leaders.current().term()).as("the hint still updates the cache").isEqualTo(3);
  }

  @Test
  void aLiveMemberIsPolledInsteadOfDiallingAnEndpointThatJustFailedToConnect() {
    members(A, B);
    leaders.offerHint(1, "xa:1", A);
    reach.markUnreachable(A);
    reach.markUnreachable("s:1");
    assertThat(send(round.next()).endpoint()).as("the suspect goes last").isEqualTo(B);

    EndpointRound.Step s = round.failed(B, refused(A, 1));

    assertThat(s).as("B still names dead A in term 1: nothing new").isInstanceOf(EndpointRound.Poll.class);
    assertThat(((EndpointRound.Poll) s).endpoint()).isEqualTo(B);
    EndpointRound.Step afterPoll = round.polled(B, GetMembersResponse.newBuilder()
        .setLeader(LeaderHint.newBuilder().setId("nB").setEndpoint(B).setTerm(2)).build());
    assertThat(send(afterPoll).endpoint()).as("B names itself leader of term 2").isEqualTo(B);
  }

  @Test
  void aPolledNodeThatServesIsUsedAtOnce() {
    members(A, B);
    reach.markUnreachable(A);
    send(round.next());
    round.failed(B, refusedWithoutHint());

    assertThat(send(round.polled(B, GetMembersResponse.newBuilder().setServing(true).build())).endpoint())
        .isEqualTo(B);
  }

  @Test
  void aMarkOfUnreachableFadesAfterItsMemory() {
    reach.markUnreachable(A);
    assertThat(reach.suspect(A)).isTrue();

    time.spend(Reachability.MEMORY_NANOS);

    assertThat(reach.suspect(A)).isFalse();
  }

  @Test
  void everyEndpointPoisonedGivesUpAtOnce() {
    Failure poisoned = new Failure(Failure.Kind.SKIP_NODE, new TsoUnavailableException("poisoned"),
        Optional.empty(), true);
    send(round.next());

    EndpointRound.Step s = round.failed("s:1", poisoned);

    assertThat(s).isInstanceOf(EndpointRound.GiveUp.class);
    assertThat(((EndpointRound.GiveUp) s).error()).hasMessageContaining("every endpoint is out of service")
        .hasMessageContaining("poisoned");
    assertThat(send(round.next()).endpoint()).as("a later call probes again").isEqualTo("s:1");
  }

  @Test
  void aRoundWithNobodyAliveEndsInABackoffWithinTheCeiling() {
    members(A, B);
    send(round.next());
    send(round.failed(A, connectionRefused()));
    EndpointRound.Step s = round.failed(B, connectionRefused());
    // A and B are suspect now; the seed is still untried.
    assertThat(send(s).endpoint()).isEqualTo("s:1");

    EndpointRound.Step w = round.failed("s:1", connectionRefused());

    assertThat(w).isInstanceOf(EndpointRound.Wait.class);
    assertThat(((EndpointRound.Wait) w).delayNanos()).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(20));
    assertThat(send(round.next()).endpoint()).as("a new round starts over").isIn(A, B, "s:1");
  }

  @Test
  void theDeadlineErrorSaysUnavailableAfterARefusalAndDeadlineAfterTimeouts() {
    send(round.next());
    round.failed("s:1", Failure.timedOut(new TsoDeadlineExceededException("slow")));
    assertThat(round.deadlineError("GetTimestamp", Duration.ofSeconds(1)))
        .isInstanceOf(TsoDeadlineExceededException.class);

    round.failed("s:1", refusedWithoutHint());
    assertThat(round.deadlineError("GetTimestamp", Duration.ofSeconds(1)))
        .isInstanceOf(TsoUnavailableException.class).hasMessageContaining("no tso4j endpoint served within PT1S");
  }
}
