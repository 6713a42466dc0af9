package io.tso4j.core;

import static io.tso4j.core.ProtocolScript.ID;
import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.FenceAction.Log.Level;
import io.tso4j.core.FenceProtocol.Phase;
import io.tso4j.core.FenceTimings.WaitReason;
import io.tso4j.core.ServingState.Status;
import io.tso4j.core.memory.InMemoryDriver;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fence protocol driven by hand on a manual clock, one row of docs/correctness.md (A5, F1–F12, L1–L4, H2, and the
 * fence timings) at a time: {@code on(input, now)} → assert the actions. Deterministic: no threads, no sleeps.
 */
final class FenceProtocolTest {
  static final Duration LEASE = Duration.ofMillis(60);
  static final FenceConfig CONFIG = FenceConfig.builder()
      .window(Duration.ofSeconds(1))
      .extendThreshold(Duration.ofMillis(200))
      .keepAliveInterval(Duration.ofMillis(15))
      .pollInterval(Duration.ofMillis(20))
      .operationTimeout(Duration.ofMillis(300))
      .backoffBase(Duration.ofMillis(5))
      .backoffMax(Duration.ofMillis(40))
      .retryBudget(Duration.ofMillis(250))
      .driftMargin(Duration.ofMillis(5))
      .build();
  static final long WINDOW = CONFIG.window().toMillis();
  static final long KEEP_ALIVE = CONFIG.keepAliveIntervalFor(LEASE).toMillis();
  static final long DRIFT_NANOS = CONFIG.driftMargin().toNanos();

  private final ProtocolScript s = new ProtocolScript(CONFIG, LEASE);

  private static LoadedMark mark(long highWater) {
    return LoadedMark.of(highWater);
  }

  private static ConsensusException error(Kind kind) {
    return new ConsensusException(kind, "injected " + kind);
  }

  private static boolean is(ServingState st, Status status, long term) {
    return st.status() == status && st.term() == term;
  }

  private void serve(long term, long highWater) {
    s.fence(term, mark(highWater));
    assertThat(s.protocol.phase()).isEqualTo(Phase.SERVING);
  }

  // ------------------------------------------------------------------------------------------------ F1, A5, F6

  @Test
  void f1TheFenceLoadsPersistsWaitsRenewsConfirmsThenOpens() {
    FenceAction.Load load = s.leaderAndSettle(2);
    assertThat(load.term()).isEqualTo(2);
    assertThat(s.state()).isEqualTo(new ServingState(Status.FENCING, 2, Optional.of(ID)));
    long loadSent = s.mono();

    s.advanceQuietly(3).on(new FenceInput.Loaded(load.call(), mark(s.physical() - 10)));
    FenceAction.Persist first = s.persist();
    long floor = s.physical();
    assertThat(first.term()).isEqualTo(2);
    assertThat(first.atLeast()).as("F1/L4: max(floor, now + window)").isEqualTo(floor + WINDOW);

    s.advanceQuietly(2).on(new FenceInput.Persisted(first.call(), first.atLeast()));
    assertThat(s.last()).noneMatch(a -> a instanceof FenceAction.Persist || a instanceof FenceAction.OpenAllocator);
    assertThat(s.protocol.phase()).isEqualTo(Phase.LEASE_WAIT);
    long waitEnd = loadSent + LEASE.toNanos() + DRIFT_NANOS;
    s.advance((waitEnd - s.mono()) / 1_000_000 - 1);
    assertThat(s.all(FenceAction.Persist.class)).as("no renewal before the wait ends").hasSize(1);
    s.advance(1);
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    assertThat(renew).isNotEqualTo(first);
    long renewSent = s.mono();

    s.advanceQuietly(2).on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    assertThat(s.one(FenceAction.ConfirmLeadership.class).term()).isEqualTo(2);
    assertThat(s.all(FenceAction.OpenAllocator.class)).as("not open before the driver confirms").isEmpty();

    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    FenceAction.OpenAllocator open = s.one(FenceAction.OpenAllocator.class);
    assertThat(open.term()).isEqualTo(2);
    assertThat(open.floor()).as("A5").isEqualTo(floor);
    assertThat(open.limit()).isEqualTo(renew.atLeast());
    assertThat(open.leaseDeadlineNanos()).as("L1: the lease runs from the renewal's send").isEqualTo(
        renewSent + LEASE.toNanos());
    assertThat(s.one(FenceAction.RaiseOracleTime.class).physicalMillis()).isEqualTo(floor - WINDOW);
    int raise = s.last().indexOf(s.one(FenceAction.RaiseOracleTime.class));
    int opened = s.last().indexOf(open);
    int serving = s.last().indexOf(new FenceAction.Publish(new ServingState(Status.SERVING, 2, Optional.of(ID))));
    assertThat(raise).isLessThan(opened);
    assertThat(opened).as("SERVING only after the allocator opened").isLessThan(serving);
    assertThat(s.published()).extracting(ServingState::status).containsExactly(Status.FENCING, Status.SERVING);
  }

  @Test
  void h3TheExpectedServingMomentIsTheOwnLeaseBeforeTheLoadTheKnownWaitAfterItAndNoneOutsideTheFence() {
    assertThat(s.protocol.expectedServingAtNanos()).isEqualTo(FenceProtocol.NO_ESTIMATE);
    FenceAction.Load load = s.leaderAndSettle(2);
    long loadSent = s.mono();
    assertThat(s.protocol.expectedServingAtNanos()).isEqualTo(loadSent + LEASE.toNanos() + DRIFT_NANOS);

    Duration longer = Duration.ofMillis(240);
    s.advanceQuietly(3).on(new FenceInput.Loaded(load.call(), new LoadedMark(s.physical(), longer, false)));
    FenceAction.Persist p = s.persist();
    s.advanceQuietly(4).on(new FenceInput.Persisted(p.call(), p.atLeast()));
    assertThat(s.protocol.expectedServingAtNanos()).as("the register's longer lease, plus one commit like the persist")
        .isEqualTo(loadSent + longer.toNanos() + DRIFT_NANOS + TimeUnit.MILLISECONDS.toNanos(4));

    s.advance(longer.toMillis() + CONFIG.driftMargin().toMillis());
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    assertThat(s.protocol.phase()).isEqualTo(Phase.SERVING);
    assertThat(s.protocol.expectedServingAtNanos()).as("serving: no estimate").isEqualTo(FenceProtocol.NO_ESTIMATE);
  }

  @Test
  void a5TheFloorIsAboveTheLoadedMarkEvenWhenTheClockIsBehindIt() {
    long h = s.physical() + 10_000;
    FenceAction.OpenAllocator open = s.fence(3, mark(h));
    assertThat(open.floor()).isEqualTo(h + 1);
    assertThat(s.all(FenceAction.Persist.class).get(0).atLeast()).as("exactly the floor: L4").isEqualTo(h + 1);
    assertThat(s.all(FenceAction.RaiseOracleTime.class).get(0).physicalMillis()).isEqualTo(h + 1 - WINDOW);
  }

  @Test
  void f6TheWaitIsTheLargestLeaseOnRecordWhenItIsLongerThanTheOwn() {
    FenceAction.Load load = s.leaderAndSettle(2);
    long loadSent = s.mono();
    Duration longer = Duration.ofMillis(240);
    s.on(new FenceInput.Loaded(load.call(), new LoadedMark(s.physical(), longer, false)));
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    s.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis() + 1);
    assertThat(s.all(FenceAction.Persist.class)).as("still waiting after its own lease").hasSize(1);
    s.advance(longer.toMillis() - LEASE.toMillis() - 2);
    assertThat(s.all(FenceAction.Persist.class)).as("waits the register's lease, not its own 60 ms").hasSize(1);
    s.advance(1);
    assertThat(s.mono()).isEqualTo(loadSent + longer.toNanos() + DRIFT_NANOS);
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    assertThat(s.all(FenceAction.Persist.class)).hasSize(2);
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    FenceTimings t = s.one(FenceAction.FenceEnded.class).timings().orElseThrow();
    assertThat(t.waitReason()).isEqualTo(WaitReason.LARGEST_SEEN);
    assertThat(t.waitedLease()).isEqualTo(longer);
    assertThat(s.logs(Level.INFO)).anyMatch(l -> l.contains("largest lease seen 240 ms"));
  }

  @Test
  void f6bTheWaitEndsALeaseAfterTheLastGrantsApplyWhenThatIsSooner() {
    FenceAction.Load load = s.leaderAndSettle(2);
    long loadSent = s.mono();
    s.advanceQuietly(20).on(new FenceInput.Loaded(load.call(),
        new LoadedMark(s.physical(), LEASE, false, Optional.of(Duration.ofMillis(30)))));
    long loadDone = s.mono();
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    long byGrant = loadDone - TimeUnit.MILLISECONDS.toNanos(30) + LEASE.toNanos() + DRIFT_NANOS;
    assertThat(byGrant).as("10 ms sooner than the load-sent rule").isEqualTo(
        loadSent + LEASE.toNanos() + DRIFT_NANOS - TimeUnit.MILLISECONDS.toNanos(10));

    s.advance((byGrant - s.mono()) / 1_000_000 - 1);
    assertThat(s.all(FenceAction.Persist.class)).as("no renewal before the lease after the grant's apply").hasSize(1);
    s.advance(1);
    assertThat(s.mono()).isEqualTo(byGrant);
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    assertThat(s.all(FenceAction.Persist.class)).hasSize(2);
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    assertThat(s.one(FenceAction.FenceEnded.class).timings().orElseThrow().waitReason())
        .isEqualTo(WaitReason.SINCE_LAST_GRANT);
  }

  @Test
  void f6bALongAgoGrantEndsTheWaitAtOnceAndARecentOneKeepsTheLoadSentRule() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(),
        new LoadedMark(s.physical(), LEASE, false, Optional.of(Duration.ofSeconds(10)))));
    long persistSent = s.mono();
    FenceAction.Persist p = s.persist();
    s.advanceQuietly(4).on(new FenceInput.Persisted(p.call(), p.atLeast()));
    assertThat(s.all(FenceAction.Persist.class)).as("no wait left and a fresh persist lease: no renewal (F1b)")
        .containsExactly(p);
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    assertThat(s.one(FenceAction.OpenAllocator.class).leaseDeadlineNanos())
        .as("L1: the lease runs from the persist's send").isEqualTo(persistSent + LEASE.toNanos());
    assertThat(s.one(FenceAction.OpenAllocator.class).limit()).isEqualTo(p.atLeast());

    ProtocolScript q = new ProtocolScript(CONFIG, LEASE);
    FenceAction.Load l2 = q.leaderAndSettle(2);
    long loadSent = q.mono();
    q.advanceQuietly(5).on(new FenceInput.Loaded(l2.call(),
        new LoadedMark(q.physical(), LEASE, false, Optional.of(Duration.ofMillis(1)))));
    FenceAction.Persist p2 = q.persist();
    q.on(new FenceInput.Persisted(p2.call(), p2.atLeast()));
    q.advance((loadSent + LEASE.toNanos() + DRIFT_NANOS - q.mono()) / 1_000_000 - 1);
    assertThat(q.all(FenceAction.Persist.class)).as("a grant applied just before the load: the load-sent rule")
        .hasSize(1);
    q.advance(1);
    assertThat(q.all(FenceAction.Persist.class)).hasSize(2);
  }

  @Test
  void f1bAPersistWhoseLeaseIsNearlySpentIsRenewedEvenWithoutAWait() {
    FenceAction.Load load = s.leaderAndSettle(3);
    s.on(new FenceInput.Loaded(load.call(), new LoadedMark(s.physical(), LEASE, true)));
    FenceAction.Persist p = s.persist();
    long persistSent = s.mono();
    // The persist took so long that less than two keep-alive intervals of its lease are left.
    s.advanceQuietly(LEASE.toMillis() - 2 * KEEP_ALIVE + 1).on(new FenceInput.Persisted(p.call(), p.atLeast()));
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    assertThat(renew).as("renewed: the persist's lease is nearly spent").isNotEqualTo(p);
    long renewSent = s.mono();
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(3, new LeadershipEvent.Leader(3)));
    assertThat(s.one(FenceAction.OpenAllocator.class).leaseDeadlineNanos()).isEqualTo(renewSent + LEASE.toNanos())
        .isGreaterThan(persistSent + LEASE.toNanos());
  }

  @Test
  void f6AShorterLeaseOnRecordDoesNotShortenTheWait() {
    FenceAction.Load load = s.leaderAndSettle(2);
    long loadSent = s.mono();
    s.on(new FenceInput.Loaded(load.call(), new LoadedMark(s.physical(), Duration.ofMillis(10), false)));
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    s.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis() - 1);
    assertThat(s.all(FenceAction.Persist.class)).hasSize(1);
    s.advance(1);
    assertThat(s.mono()).isEqualTo(loadSent + LEASE.toNanos() + DRIFT_NANOS);
    assertThat(s.all(FenceAction.Persist.class)).as("renewed at own lease + drift").hasSize(2);
  }

  // ------------------------------------------------------------------------------------------------ H2 release

  @Test
  void h2ALoadThatFindsAReleaseSkipsTheLeaseWait() {
    FenceAction.Load load = s.leaderAndSettle(5);
    s.on(new FenceInput.Loaded(load.call(), new LoadedMark(s.physical(), Duration.ofMillis(500), true)));
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    assertThat(s.all(FenceAction.Persist.class)).as("F1b: no wait, so no renewal: the persist's lease is fresh")
        .containsExactly(p);
    s.on(new FenceInput.Confirmed(5, new LeadershipEvent.Leader(5)));
    FenceTimings t = s.one(FenceAction.FenceEnded.class).timings().orElseThrow();
    assertThat(t.waitReason()).isEqualTo(WaitReason.SKIPPED_AFTER_RELEASE);
    assertThat(t.leaseWait()).isZero();
    assertThat(t.waitedLease()).isZero();
  }

  @Test
  void h2AGracefulStopOfAServingLeaderClosesFirstThenReleasesThenStops() {
    serve(2, s.physical());
    long limit = s.one(FenceAction.OpenAllocator.class).limit();
    s.clear().on(new FenceInput.Stop(true, TimeUnit.SECONDS.toNanos(1)));
    List<FenceAction> stop = s.last();
    FenceAction.Release release = s.one(FenceAction.Release.class);
    assertThat(stop.indexOf(new FenceAction.CloseAllocator())).as("stops serving before it releases")
        .isLessThan(stop.indexOf(release));
    assertThat(release.term()).isEqualTo(2);
    assertThat(release.servedUpTo()).as("the highest physical time it could have served").isEqualTo(limit);
    assertThat(s.state()).as("no longer advertised as serving while the release is in flight")
        .isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
    assertThat(s.protocol.phase()).isEqualTo(Phase.RELEASING);
    s.advance(100);
    assertThat(s.all(FenceAction.Persist.class)).as("no keep-alive after the stop").isEmpty();
    s.on(new FenceInput.Released(release.call(), limit));
    assertThat(s.one(FenceAction.Exit.class).released()).isTrue();
    assertThat(s.state().status()).isEqualTo(Status.STOPPED);
    assertThat(s.protocol.phase()).isEqualTo(Phase.STOPPED);
    assertThat(s.on(FenceInput.TICK)).as("nothing after the stop").isEmpty();
  }

  @Test
  void h2ANodeWhoseFenceHasNotCompletedDoesNotRelease() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(), mark(0)));
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    assertThat(s.protocol.phase()).isEqualTo(Phase.LEASE_WAIT);
    s.on(new FenceInput.Stop(true, TimeUnit.SECONDS.toNanos(1)));
    assertThat(s.all(FenceAction.Release.class)).as("a release would vouch for leases it never waited out")
        .isEmpty();
    assertThat(s.one(FenceAction.Exit.class).released()).isFalse();
    assertThat(s.one(FenceAction.FenceEnded.class).outcome()).isEqualTo(FenceOutcome.ABORTED);
  }

  @Test
  void h2AReleaseThatFailsOrTimesOutStopsWithoutIt() {
    serve(2, 0);
    s.on(new FenceInput.Stop(true, TimeUnit.MILLISECONDS.toNanos(200)));
    FenceAction.Release r = s.one(FenceAction.Release.class);
    s.advance(199);
    assertThat(s.all(FenceAction.Exit.class)).isEmpty();
    s.advance(1);
    assertThat(s.one(FenceAction.Exit.class).released()).isFalse();
    assertThat(s.logs(Level.WARN)).anyMatch(l -> l.contains("lease release of term 2 failed"));
    s.on(new FenceInput.Released(r.call(), 0));
    assertThat(s.last()).as("a late release reply changes nothing").isEmpty();

    ProtocolScript other = new ProtocolScript(CONFIG, LEASE);
    other.fence(2, mark(0));
    other.on(new FenceInput.Stop(true, TimeUnit.SECONDS.toNanos(1)));
    other.on(new FenceInput.Failed(other.one(FenceAction.Release.class).call(), error(Kind.NOT_LEADER)));
    assertThat(other.one(FenceAction.Exit.class).released()).isFalse();
  }

  @Test
  void h2ThePositiveControlSwitchSkipsTheWaitWithoutARelease() {
    s.protocol.unsafeSkipLeaseWaitWithoutRelease();
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(), mark(0)));
    FenceAction.Persist p = s.persist();
    s.on(new FenceInput.Persisted(p.call(), p.atLeast()));
    assertThat(s.one(FenceAction.ConfirmLeadership.class).term()).as("no wait: confirms at once").isEqualTo(2);
    assertThat(s.logs(Level.WARN)).anyMatch(l -> l.contains("UNSAFE test switch"));
  }

  // ------------------------------------------------------------------------------------------------ F2, F10

  @Test
  void f2AnEventInAnyFencePhaseEndsTheFenceAndNothingOfThatTermServes() {
    for (int phase = 0; phase < 5; phase++) {
      ProtocolScript p = new ProtocolScript(CONFIG, LEASE);
      FenceAction.Load load = p.leaderAndSettle(2);
      if (phase >= 1) {
        p.on(new FenceInput.Loaded(load.call(), mark(0)));
      }
      if (phase >= 2) {
        FenceAction.Persist first = p.persist();
        p.on(new FenceInput.Persisted(first.call(), first.atLeast()));
      }
      if (phase >= 3) {
        p.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis());
      }
      if (phase >= 4) {
        FenceAction.Persist renew = p.latest(FenceAction.Persist.class).orElseThrow();
        p.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
      }
      Phase at = p.protocol.phase();
      p.event(new LeadershipEvent.Leader(2));
      assertThat(p.protocol.phase()).as("a repeated Leader(2) does not restart the fence").isEqualTo(at);
      p.event(InMemoryDriver.follower(2, "other"));
      assertThat(p.protocol.phase()).as("in phase %s", at).isEqualTo(Phase.IDLE);
      assertThat(p.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.of("other")));
      // Late replies of the ended fence are ignored.
      p.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
      p.advance(500);
      assertThat(p.all(FenceAction.OpenAllocator.class)).as("phase %s", at).isEmpty();
      assertThat(p.published()).as("phase %s", at).noneMatch(st -> st.status() == Status.SERVING);
      assertThat(p.latest(FenceAction.FenceEnded.class).orElseThrow().outcome()).isEqualTo(FenceOutcome.ABORTED);
    }
  }

  @Test
  void f2TheDriverNoLongerReportingLeaderAtConfirmationEndsTheFence() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(), mark(0)));
    s.on(new FenceInput.Persisted(s.persist().call(), s.physical() + WINDOW));
    s.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis());
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, InMemoryDriver.follower(3, "other")));
    assertThat(s.all(FenceAction.OpenAllocator.class)).isEmpty();
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 3, Optional.of("other")));
  }

  @Test
  void f2AndF10AFlapBurstFencesOnlyTheNewestTerm() {
    s.event(new LeadershipEvent.Leader(2));
    s.advanceQuietly(3);
    s.event(InMemoryDriver.follower(2, "other"));
    s.advanceQuietly(3);
    s.event(new LeadershipEvent.Leader(3));
    assertThat(s.all(FenceAction.Load.class)).as("still settling").isEmpty();
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.all(FenceAction.Load.class)).extracting(FenceAction.Load::term).containsExactly(3L);
    assertThat(s.published()).noneMatch(st -> st.term() == 2 && st.status() != Status.NOT_SERVING);
  }

  @Test
  void f10ALeaderEventFollowedByAStepDownWithinTheSettleNeverFences() {
    s.event(new LeadershipEvent.Leader(2));
    s.advanceQuietly(5);
    s.event(InMemoryDriver.follower(2, "other"));
    s.advance(50);
    assertThat(s.all(FenceAction.Load.class)).isEmpty();
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.of("other")));
  }

  @Test
  void f2AFlapWhileServingNeverServesTheOldTermAgain() {
    serve(2, 0);
    s.clear();
    s.event(InMemoryDriver.follower(2, "other"));
    assertThat(s.one(FenceAction.CloseAllocator.class)).isNotNull();
    s.event(new LeadershipEvent.Leader(3));
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.one(FenceAction.Load.class).term()).isEqualTo(3);
    assertThat(s.published()).noneMatch(st -> is(st, Status.SERVING, 2));
  }

  // ------------------------------------------------------------------------------------------------ F3, F4, F5

  @Test
  void f3TransientErrorsAreRetriedWithBackoffWithoutRepublishing() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Failed(load.call(), error(Kind.TRANSIENT)));
    assertThat(s.protocol.phase()).isEqualTo(Phase.BACKOFF);
    s.advance(CONFIG.backoffBase().toMillis() - 1);
    assertThat(s.all(FenceAction.Load.class)).as("not before the base delay").hasSize(1);
    s.advance(1);
    assertThat(s.all(FenceAction.Load.class)).as("first retry after the base delay").hasSize(2);
    FenceAction.Load second = s.latest(FenceAction.Load.class).orElseThrow();
    assertThat(second.call()).isNotEqualTo(load.call());
    s.on(new FenceInput.Failed(second.call(), error(Kind.TRANSIENT)));
    s.advance(2 * CONFIG.backoffBase().toMillis() - 1);
    assertThat(s.all(FenceAction.Load.class)).as("the delay doubled").hasSize(2);
    s.advance(1);
    assertThat(s.all(FenceAction.Load.class)).hasSize(3);
    FenceAction.Load third = s.latest(FenceAction.Load.class).orElseThrow();
    s.on(new FenceInput.Loaded(third.call(), mark(0)));
    s.on(new FenceInput.Persisted(s.persist().call(), s.physical() + WINDOW));
    s.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis());
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    assertThat(s.published()).extracting(ServingState::status).as("retried in place")
        .containsExactly(Status.FENCING, Status.SERVING);
    assertThat(s.one(FenceAction.FenceEnded.class).timings().orElseThrow().attempts()).isEqualTo(3);
  }

  @Test
  void f3ADriverCallThatDoesNotAnswerTimesOutAsTransient() {
    ProtocolScript p = new ProtocolScript(CONFIG.toBuilder().retryBudget(Duration.ofSeconds(1)).build(), LEASE);
    FenceAction.Load load = p.leaderAndSettle(2);
    p.advance(CONFIG.operationTimeout().toMillis() - 1);
    assertThat(p.protocol.phase()).isEqualTo(Phase.LOADING);
    p.advance(1);
    assertThat(p.protocol.phase()).isEqualTo(Phase.BACKOFF);
    assertThat(p.logs(Level.DEBUG)).anyMatch(l -> l.contains("timed out after 300 ms"));
    p.on(new FenceInput.Loaded(load.call(), mark(0)));
    assertThat(p.protocol.phase()).as("the late reply is ignored").isEqualTo(Phase.BACKOFF);
    p.advance(CONFIG.backoffBase().toMillis());
    assertThat(p.all(FenceAction.Load.class)).as("retried").hasSize(2);
  }

  @Test
  void f3AnExhaustedBudgetStepsDownWithoutTeardown() {
    FenceAction.Load load = s.leaderAndSettle(2);
    long start = s.mono();
    long call = load.call();
    for (int i = 0; i < 50 && s.protocol.phase() != Phase.IDLE; i++) {
      s.on(new FenceInput.Failed(call, error(Kind.TRANSIENT)));
      s.advance(CONFIG.backoffMax().toMillis());
      call = s.latest(FenceAction.Load.class).orElseThrow().call();
    }
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
    assertThat(s.mono() - start).as("gave up within the budget").isLessThanOrEqualTo(
        CONFIG.retryBudget().toNanos() + CONFIG.backoffMax().toNanos());
    assertThat(s.latest(FenceAction.FenceEnded.class).orElseThrow().outcome()).isEqualTo(FenceOutcome.GAVE_UP);
    assertThat(s.logs(Level.WARN)).anyMatch(l -> l.contains("gave up after"));
    assertThat(s.all(FenceAction.Poison.class)).isEmpty();
    // A new term is fenced at once.
    s.event(new LeadershipEvent.Leader(3));
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.latest(FenceAction.Load.class).orElseThrow().term()).isEqualTo(3);
  }

  @Test
  void f3ABackoffWaitEndsAtOnceOnANewEvent() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Failed(load.call(), error(Kind.TRANSIENT)));
    s.event(InMemoryDriver.follower(3, "other"));
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 3, Optional.of("other")));
  }

  @Test
  void f4NotLeaderOrFencedStepsDownAndTheNextTermFences() {
    for (Kind kind : new Kind[] {Kind.NOT_LEADER, Kind.FENCED}) {
      ProtocolScript p = new ProtocolScript(CONFIG, LEASE);
      FenceAction.Load load = p.leaderAndSettle(2);
      p.on(new FenceInput.Loaded(load.call(), mark(0)));
      p.on(new FenceInput.Failed(p.persist().call(), error(kind)));
      assertThat(p.protocol.phase()).isEqualTo(Phase.IDLE);
      assertThat(p.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
      assertThat(p.all(FenceAction.Load.class)).as("%s is not retried", kind).hasSize(1);
      assertThat(p.latest(FenceAction.FenceEnded.class).orElseThrow().outcome()).isEqualTo(FenceOutcome.STEPPED_DOWN);
      p.fence(3, mark(0));
      assertThat(p.state()).isEqualTo(new ServingState(Status.SERVING, 3, Optional.of(ID)));
    }
  }

  @Test
  void f4AFencedKeepAliveStepsDownWhileServing() {
    serve(2, 0);
    s.advance(KEEP_ALIVE);
    long keepAlive = s.latest(FenceAction.Persist.class).orElseThrow().call();
    s.clear().on(new FenceInput.Failed(keepAlive, error(Kind.FENCED)));
    assertThat(s.one(FenceAction.CloseAllocator.class)).isNotNull();
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
  }

  @Test
  void f5PermanentErrorsPoisonOnceAndEndTheProtocol() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(), mark(0)));
    s.on(new FenceInput.Failed(s.persist().call(), error(Kind.PERMANENT)));
    List<FenceAction> poisoned = s.last();
    assertThat(s.one(FenceAction.Poison.class).cause()).isInstanceOf(ConsensusException.class);
    assertThat(poisoned.get(poisoned.size() - 1)).isEqualTo(new FenceAction.Exit(false));
    assertThat(poisoned.indexOf(new FenceAction.CloseAllocator())).isLessThan(
        poisoned.indexOf(s.one(FenceAction.Poison.class)));
    assertThat(s.state().status()).isEqualTo(Status.POISONED);
    assertThat(s.logs(Level.ERROR)).anyMatch(l -> l.contains("FATAL"));
    assertThat(s.event(new LeadershipEvent.Leader(3))).as("nothing after poison").isEmpty();
  }

  @Test
  void f5APermanentKeepAliveErrorAndABrokenDriverInvariantPoison() {
    serve(2, 0);
    s.advance(KEEP_ALIVE);
    s.on(new FenceInput.Failed(s.latest(FenceAction.Persist.class).orElseThrow().call(), error(Kind.PERMANENT)));
    assertThat(s.protocol.phase()).isEqualTo(Phase.POISONED);

    ProtocolScript p = new ProtocolScript(CONFIG, LEASE);
    FenceAction.Load load = p.leaderAndSettle(2);
    p.on(new FenceInput.Loaded(load.call(), mark(p.physical() + 500)));
    FenceAction.Persist first = p.persist();
    p.on(new FenceInput.Persisted(first.call(), p.physical()));
    assertThat(p.one(FenceAction.Poison.class).cause()).hasMessageContaining("below the requested floor");

    ProtocolScript q = new ProtocolScript(CONFIG, LEASE);
    q.on(new FenceInput.Fatal(new IllegalStateException("invalid window")));
    assertThat(q.protocol.phase()).isEqualTo(Phase.POISONED);
  }

  // ------------------------------------------------------------------------------------------------ F7, F8

  @Test
  void f7AfterAStepDownTheSameTermIsHeldOffWithADoublingDelayAndANewTermIsNot() {
    long[] fencedAt = new long[4];
    int fences = 0;
    long start = s.mono();
    for (int i = 0; i < 2_000 && fences < 4; i++) {
      s.on(new FenceInput.Polled(new LeadershipEvent.Leader(2)));
      s.advance(1);
      var load = s.latest(FenceAction.Load.class);
      if (load.isPresent() && s.protocol.phase() == Phase.LOADING) {
        fencedAt[fences++] = s.mono();
        s.on(new FenceInput.Failed(load.get().call(), error(Kind.NOT_LEADER)));
      }
    }
    assertThat(fences).isEqualTo(4);
    long base = CONFIG.backoffMax().toNanos();
    long settle = FenceProtocol.SETTLE_NANOS;
    assertThat(fencedAt[1] - fencedAt[0]).as("held off one base").isBetween(base + settle, base + settle
        + TimeUnit.MILLISECONDS.toNanos(2));
    assertThat(fencedAt[2] - fencedAt[1]).as("doubled").isBetween(2 * base + settle, 2 * base + settle
        + TimeUnit.MILLISECONDS.toNanos(2));
    long third = fencedAt[3] - fencedAt[2];
    assertThat(third).as("doubled again, capped by the retry budget")
        .isBetween(Math.min(4 * base, CONFIG.retryBudget().toNanos()) + settle,
            Math.min(4 * base, CONFIG.retryBudget().toNanos()) + settle + TimeUnit.MILLISECONDS.toNanos(2));
    assertThat(s.mono() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
    // A newer term is never held off.
    s.event(new LeadershipEvent.Leader(3));
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.latest(FenceAction.Load.class).orElseThrow().term()).isEqualTo(3);
  }

  @Test
  void f7AHeldOffTermIsIgnoredEvenAsAPushedEvent() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Failed(load.call(), error(Kind.FENCED)));
    s.event(new LeadershipEvent.Leader(2));
    s.advance(FenceProtocol.SETTLE_MILLIS + 1);
    assertThat(s.all(FenceAction.Load.class)).hasSize(1);
    assertThat(s.logs(Level.DEBUG)).anyMatch(l -> l.contains("hold-off"));
  }

  @Test
  void f8StaleEventsAreIgnoredWhileServingAndTermZeroIsNever() {
    serve(3, 0);
    s.clear();
    s.event(InMemoryDriver.follower(2, "other"));
    s.event(new LeadershipEvent.Unknown(1));
    s.event(new LeadershipEvent.Leader(2));
    s.on(new FenceInput.Polled(InMemoryDriver.follower(1, "other")));
    assertThat(s.protocol.phase()).isEqualTo(Phase.SERVING);
    assertThat(s.all(FenceAction.CloseAllocator.class)).isEmpty();
    assertThat(s.all(FenceAction.Load.class)).isEmpty();
    assertThat(s.logs(Level.DEBUG)).filteredOn(l -> l.contains("ignored stale")).hasSize(4);
    // Positive control: an event of the serving term steps down; so does one of unknown term 0.
    s.event(InMemoryDriver.follower(3, "other"));
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
    ProtocolScript p = new ProtocolScript(CONFIG, LEASE);
    p.fence(3, mark(0));
    p.event(new LeadershipEvent.Unknown(0));
    assertThat(p.protocol.phase()).isEqualTo(Phase.IDLE);
  }

  // ------------------------------------------------------------------------------------------------ F12, T1

  @Test
  void f12AMarkAtTheLimitOfTheFormatIsExhaustedNotPoisoned() {
    FenceAction.Load load = s.leaderAndSettle(2);
    s.on(new FenceInput.Loaded(load.call(), mark(Timestamp.MAX_PHYSICAL)));
    assertThat(s.all(FenceAction.Poison.class)).isEmpty();
    assertThat(s.all(FenceAction.Persist.class)).as("nothing above the limit is ever written").isEmpty();
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
    assertThat(s.latest(FenceAction.FenceEnded.class).orElseThrow().outcome()).isEqualTo(FenceOutcome.EXHAUSTED);
    assertThat(s.logs(Level.ERROR)).singleElement().satisfies(l -> assertThat(l).contains("limit"));
    // The next leader (here the next term) is not poisoned either.
    s.event(new LeadershipEvent.Leader(3));
    s.advance(FenceProtocol.SETTLE_MILLIS);
    s.on(new FenceInput.Loaded(s.latest(FenceAction.Load.class).orElseThrow().call(), mark(Timestamp.MAX_PHYSICAL)));
    assertThat(s.all(FenceAction.Poison.class)).isEmpty();
  }

  @Test
  void t1TargetsNearTheLimitAreClampedToIt() {
    long h = Timestamp.MAX_PHYSICAL - 10;
    FenceAction.OpenAllocator open = s.fence(2, mark(h));
    assertThat(open.floor()).isEqualTo(h + 1);
    assertThat(s.all(FenceAction.Persist.class)).allMatch(p -> p.atLeast() <= Timestamp.MAX_PHYSICAL);
    s.physical(Timestamp.MAX_PHYSICAL - 5);
    s.advance(100);
    assertThat(s.all(FenceAction.Persist.class)).isNotEmpty().allMatch(p -> p.atLeast() <= Timestamp.MAX_PHYSICAL);
  }

  // ------------------------------------------------------------------------------------------------ lease L1–L4

  @Test
  void l1AndL3KeepAlivesRenewFromTheirSendAndSlideTheWindow() {
    serve(2, 0);
    long limit = s.one(FenceAction.OpenAllocator.class).limit();
    s.clear().advance(KEEP_ALIVE);
    FenceAction.Persist ka = s.one(FenceAction.Persist.class);
    long sent = s.mono();
    assertThat(ka.atLeast()).as("L3: max(H, now + window)").isEqualTo(Math.max(limit, s.physical() + WINDOW));
    assertThat(s.wakeAt() - sent).as("L3: waits at most min(lease, operation timeout) for it")
        .isLessThanOrEqualTo(LEASE.toNanos());
    s.advanceQuietly(4).commitKeepAlive();
    FenceAction.RenewAllocator renew = s.one(FenceAction.RenewAllocator.class);
    assertThat(renew.leaseDeadlineNanos()).as("L1: from the send, not the commit").isEqualTo(sent + LEASE.toNanos());
    assertThat(renew.limit()).isEqualTo(ka.atLeast());
    assertThat(renew.publishIfRenewed()).isEmpty();
    // Lower replies never lower the window.
    s.advance(KEEP_ALIVE);
    FenceAction.Persist next = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(next.call(), 5));
    assertThat(s.one(FenceAction.RenewAllocator.class).limit()).isEqualTo(ka.atLeast());
  }

  @Test
  void l2ALapsedLeaseFreezesWithOneWarnThenThawsOnRenewalAndEndsTheEpisodeAfterTheQuietPeriod() {
    serve(2, 0);
    s.clear();
    // No keep-alive commits: each one times out after min(lease, operation timeout).
    s.advance(LEASE.toMillis() + 5);
    assertThat(s.state()).isEqualTo(new ServingState(Status.FROZEN, 2, Optional.empty()));
    assertThat(s.protocol.frozen()).isTrue();
    assertThat(s.logs(Level.WARN)).filteredOn(l -> l.contains("FROZEN in term 2")).hasSize(1);
    s.advance(300);
    assertThat(s.logs(Level.WARN)).as("one WARN per episode").filteredOn(l -> l.contains("FROZEN")).hasSize(1);
    assertThat(s.all(FenceAction.Persist.class)).as("it keeps sending renewals").hasSizeGreaterThan(3);

    // The newest renewal is the one in flight (each is sent when the one before timed out): let it commit.
    s.refusals(7);
    FenceAction.Persist outstanding = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(outstanding.call(), outstanding.atLeast()));
    assertThat(s.one(FenceAction.RenewAllocator.class).publishIfRenewed())
        .contains(new ServingState(Status.SERVING, 2, Optional.of(ID)));
    assertThat(s.protocol.frozen()).isFalse();
    assertThat(s.protocol.freezeEpisodes()).isEqualTo(1);
    // Renewals keep committing for the quiet period: the summary line ends the episode.
    for (int i = 0; i < 80; i++) {
      s.advance(KEEP_ALIVE);
      s.latest(FenceAction.Persist.class).ifPresent(p -> s.on(new FenceInput.Persisted(p.call(), p.atLeast())));
    }
    assertThat(s.logs(Level.INFO)).filteredOn(l -> l.contains("freeze in term 2 ended (renewed)")).singleElement()
        .satisfies(l -> assertThat(l).contains("renewals failed"));
    assertThat(s.protocol.freezeEpisodes()).isEqualTo(1);
  }

  @Test
  void l4RepeatedReElectionsNeverPushTheMarkMoreThanAWindowAheadOfTheClock() {
    long h = 0;
    for (long term = 2; term <= 8; term++) {
      FenceAction.OpenAllocator open = s.fence(term, mark(h));
      for (FenceAction.Persist p : s.all(FenceAction.Persist.class)) {
        assertThat(p.atLeast()).as("term %d", term).isLessThanOrEqualTo(Math.max(h + 1, s.physical() + WINDOW));
      }
      h = open.limit();
      s.clear();
      s.event(InMemoryDriver.follower(term, "other"));
      s.advance(1);
    }
    assertThat(h - s.physical()).as("lead after seven fences").isLessThanOrEqualTo(WINDOW + 7);
  }

  // ------------------------------------------------------------------------------------------------ extensions

  @Test
  void anExtensionRequestSendsAKeepAliveAtOnceAndIsTimedToItsCommit() {
    serve(2, 0);
    s.advance(2);
    s.clear().on(FenceInput.EXTENSION);
    FenceAction.Persist ka = s.one(FenceAction.Persist.class);
    s.on(FenceInput.EXTENSION);
    assertThat(s.all(FenceAction.Persist.class)).as("one in flight at a time").hasSize(1);
    s.advanceQuietly(3).on(new FenceInput.Persisted(ka.call(), ka.atLeast()));
    assertThat(s.one(FenceAction.WindowExtended.class).latencyNanos())
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(3));
    assertThat(s.all(FenceAction.Persist.class)).as("the request that came meanwhile is sent now").hasSize(2);
  }

  // ------------------------------------------------------------------------------------------------ H3 handoff

  @Test
  void h3AHandoffRenewsAtOnceThenHoldsKeepAlivesBackAndServesOnThatLeaseUntilItEnds() {
    serve(2, 0);
    s.advance(2);
    s.clear().on(new FenceInput.Handoff(TimeUnit.MILLISECONDS.toNanos(500)));
    FenceAction.Persist renewal = s.one(FenceAction.Persist.class);
    long sent = s.mono();
    assertThat(s.all(FenceAction.HandoffPrepared.class)).as("answered only when the renewal commits").isEmpty();

    s.advanceQuietly(3).on(new FenceInput.Persisted(renewal.call(), renewal.atLeast()));
    assertThat(s.one(FenceAction.HandoffPrepared.class).renewed()).isTrue();
    assertThat(s.one(FenceAction.RenewAllocator.class).leaseDeadlineNanos()).isEqualTo(sent + LEASE.toNanos());

    s.clear().on(FenceInput.EXTENSION);
    s.advance(LEASE.toMillis() - 4);
    assertThat(s.all(FenceAction.Persist.class)).as("no keep-alive, not even for an extension, while handing off")
        .isEmpty();
    assertThat(s.protocol.frozen()).as("serving on the renewed lease").isFalse();
    assertThat(s.published()).isEmpty();
    s.advance(2);
    assertThat(s.state()).as("the lease ran out: frozen, as after a crash of this node")
        .isEqualTo(new ServingState(Status.FROZEN, 2, Optional.empty()));
    assertThat(s.all(FenceAction.Persist.class)).isEmpty();

    s.advance(500);
    assertThat(s.logs(Level.INFO)).anyMatch(l -> l.contains("after a handoff began; keep-alives resume"));
    FenceAction.Persist resumed = s.latest(FenceAction.Persist.class).orElseThrow();
    s.on(new FenceInput.Persisted(resumed.call(), resumed.atLeast()));
    assertThat(s.one(FenceAction.RenewAllocator.class).publishIfRenewed()).as("a node still leading after the hold "
        + "renews and thaws").contains(new ServingState(Status.SERVING, 2, Optional.of(ID)));
  }

  @Test
  void h3ANodeDeposedByTheTransferServesOutItsRenewedLeaseThenStepsDown() {
    serve(2, 0);
    s.clear().on(new FenceInput.Handoff(TimeUnit.MILLISECONDS.toNanos(500)));
    FenceAction.Persist renewal = s.one(FenceAction.Persist.class);
    long sent = s.mono();
    s.on(new FenceInput.Persisted(renewal.call(), renewal.atLeast()));
    assertThat(s.one(FenceAction.HandoffPrepared.class).leaseDeadlineNanos()).isEqualTo(sent + LEASE.toNanos());

    s.advance(10).clear().event(new LeadershipEvent.Follower(3, Optional.of("n2")));
    assertThat(s.last()).as("still serving: the new leader waits this lease out (F6b)")
        .doesNotContain(new FenceAction.CloseAllocator());
    assertThat(s.logs(Level.INFO)).anyMatch(l -> l.contains("serving out the lease of term 2"));
    s.advance(LEASE.toMillis() - 12);
    assertThat(s.all(FenceAction.CloseAllocator.class)).isEmpty();
    s.advance(2);
    assertThat(s.all(FenceAction.CloseAllocator.class)).as("closed when the lease ended").hasSize(1);
    assertThat(s.state()).as("and it names the new leader")
        .isEqualTo(new ServingState(Status.NOT_SERVING, 3, Optional.of("n2")));
    assertThat(s.published()).as("never FROZEN on the way").noneMatch(st -> st.status() == Status.FROZEN);
  }

  @Test
  void h3AHandoffAnswersFalseWhenNotServingOrWhenTheRenewalFailsAndAStepDownEndsIt() {
    s.on(new FenceInput.Handoff(TimeUnit.MILLISECONDS.toNanos(500)));
    assertThat(s.one(FenceAction.HandoffPrepared.class).renewed()).as("not serving").isFalse();
    assertThat(s.all(FenceAction.Persist.class)).isEmpty();

    serve(2, 0);
    s.clear().on(new FenceInput.Handoff(TimeUnit.MILLISECONDS.toNanos(500)));
    FenceAction.Persist renewal = s.one(FenceAction.Persist.class);
    s.on(new FenceInput.Failed(renewal.call(), error(Kind.TRANSIENT)));
    assertThat(s.one(FenceAction.HandoffPrepared.class).renewed()).isFalse();
    assertThat(s.protocol.phase()).as("still serving inside the fence's lease").isEqualTo(Phase.SERVING);
    assertThat(s.protocol.frozen()).isFalse();

    s.clear().event(new LeadershipEvent.Follower(3, Optional.of("n2")));
    assertThat(s.last()).contains(new FenceAction.CloseAllocator());
    assertThat(s.state().status()).isEqualTo(Status.NOT_SERVING);
  }

  // ------------------------------------------------------------------------------------------------ polls, stop

  @Test
  void thePollFencesALeaderThatMissedItsEventAndStepsDownAServingOneThatMissedTheFollowerEvent() {
    s.on(FenceInput.TICK);
    assertThat(s.one(FenceAction.PollLeadership.class)).isNotNull();
    s.on(new FenceInput.Polled(new LeadershipEvent.Leader(4)));
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.latest(FenceAction.Load.class).orElseThrow().term()).isEqualTo(4);

    ProtocolScript p = new ProtocolScript(CONFIG, LEASE);
    p.fence(2, mark(0));
    p.clear().on(new FenceInput.Polled(InMemoryDriver.follower(2, "other")));
    assertThat(p.one(FenceAction.CloseAllocator.class)).isNotNull();
    assertThat(p.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.of("other")));
    p.clear().on(new FenceInput.Polled(InMemoryDriver.follower(2, "other")));
    assertThat(p.all(FenceAction.Publish.class)).as("the same view publishes nothing").isEmpty();
  }

  @Test
  void aPlainStopEndsEveryPhaseWithStopped() {
    ProtocolScript idle = new ProtocolScript(CONFIG, LEASE);
    idle.on(new FenceInput.Stop(false, 0));
    assertThat(idle.state().status()).isEqualTo(Status.STOPPED);
    assertThat(idle.one(FenceAction.Exit.class).released()).isFalse();

    serve(2, 0);
    s.clear().on(new FenceInput.Stop(false, 0));
    assertThat(s.all(FenceAction.Release.class)).isEmpty();
    assertThat(s.one(FenceAction.CloseAllocator.class)).isNotNull();
    assertThat(s.state()).isEqualTo(new ServingState(Status.STOPPED, 2, Optional.empty()));
  }

  // ------------------------------------------------------------------------------------------------ timings

  @Test
  void aCompletedFenceReportsEachPhase() {
    s.event(new LeadershipEvent.Unknown(2)); // a candidate in term 2
    s.advance(40);
    FenceAction.Load load = s.leaderAndSettle(2);
    s.advanceQuietly(3).on(new FenceInput.Loaded(load.call(), mark(0)));
    s.advanceQuietly(4).on(new FenceInput.Persisted(s.persist().call(), s.physical() + WINDOW));
    s.advance(LEASE.toMillis() + CONFIG.driftMargin().toMillis() - 7);
    FenceAction.Persist renew = s.latest(FenceAction.Persist.class).orElseThrow();
    s.advanceQuietly(2).on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    s.on(new FenceInput.Confirmed(2, new LeadershipEvent.Leader(2)));
    FenceTimings t = s.one(FenceAction.FenceEnded.class).timings().orElseThrow();
    assertThat(t.term()).isEqualTo(2);
    assertThat(t.election()).as("term 2 first seen to the fence's start: 40 ms, then the settle")
        .isEqualTo(Duration.ofMillis(40 + FenceProtocol.SETTLE_MILLIS));
    assertThat(t.load()).isEqualTo(Duration.ofMillis(3));
    assertThat(t.persist()).isEqualTo(Duration.ofMillis(4));
    assertThat(t.leaseWait()).as("one lease + drift after the load, minus load and persist")
        .isEqualTo(LEASE.plus(CONFIG.driftMargin()).minusMillis(7));
    assertThat(t.waitReason()).isEqualTo(WaitReason.OWN_LEASE);
    assertThat(t.waitedLease()).isEqualTo(LEASE);
    assertThat(t.renew()).isEqualTo(Duration.ofMillis(2));
    assertThat(t.total()).isEqualTo(LEASE.plus(CONFIG.driftMargin()).plusMillis(2));
    assertThat(t.attempts()).isEqualTo(1);
    assertThat(s.logs(Level.INFO)).anyMatch(l -> l.startsWith("[n1] fenced term 2: floor ") && l.contains(
        "election 50 ms, load 3 ms, persist 4 ms, lease wait 58 ms (own lease 60 ms + drift), renew 2 ms, 1 attempt"));
  }

  @Test
  void termChangesCountEveryNewerTermAfterTheFirstButNotStaleOrRepeatedEvents() {
    s.event(new LeadershipEvent.Follower(3, Optional.of("n2"))); // the term found at start: not a change
    assertThat(s.protocol.termChanges()).isZero();
    s.event(new LeadershipEvent.Unknown(4));
    s.event(new LeadershipEvent.Follower(4, Optional.of("n3")));
    s.event(new LeadershipEvent.Follower(2, Optional.of("n1"))); // stale
    assertThat(s.protocol.termChanges()).isEqualTo(1);
    s.event(new LeadershipEvent.Follower(7, Optional.of("n2"))); // terms 5 and 6 were not seen here: one change
    assertThat(s.protocol.termChanges()).isEqualTo(2);
  }

  @Test
  void aLeaderEventOfATermNotSeenBeforeHasAnElectionOfTheSettleOnly() {
    s.fence(2, mark(0));
    assertThat(s.all(FenceAction.FenceEnded.class)).singleElement()
        .satisfies(e -> assertThat(e.timings().orElseThrow().election())
            .isEqualTo(Duration.ofMillis(FenceProtocol.SETTLE_MILLIS)));
  }

  // ------------------------------------------------------------------------------------------------ C6

  private static final String SUSPECT = "monotonic rate 1.300x of peers n2, n3 (bound 5%)";

  @Test
  void c6ASuspectClockStopsServingAtOnceAndHandsLeadershipAway() {
    serve(2, 0);
    s.clear();
    s.on(new FenceInput.ClockVerdict(true, SUSPECT));
    assertThat(s.last()).contains(new FenceAction.CloseAllocator(), new FenceAction.YieldLeadership(2));
    int closed = s.last().indexOf(new FenceAction.CloseAllocator());
    int yielded = s.last().indexOf(new FenceAction.YieldLeadership(2));
    assertThat(closed).as("stop serving before the transfer (H1)").isLessThan(yielded);
    assertThat(s.state()).isEqualTo(new ServingState(Status.NOT_SERVING, 2, Optional.empty()));
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
    assertThat(s.protocol.clockSuspect()).contains(SUSPECT);
    // Still the leader a while later (the transfer is slow): asked again once a second, never fenced.
    s.clear();
    for (int i = 0; i < 25; i++) {
      s.advance(100).on(new FenceInput.Polled(new LeadershipEvent.Leader(2)));
    }
    assertThat(s.all(FenceAction.Load.class)).isEmpty();
    assertThat(s.all(FenceAction.OpenAllocator.class)).isEmpty();
    assertThat(s.all(FenceAction.YieldLeadership.class)).hasSize(2);
  }

  @Test
  void c6ANodeElectedWhileSuspectNeverFencesAndYields() {
    s.on(new FenceInput.ClockVerdict(true, SUSPECT));
    s.clear();
    s.event(new LeadershipEvent.Leader(3));
    s.advance(100);
    assertThat(s.all(FenceAction.Load.class)).isEmpty();
    assertThat(s.all(FenceAction.YieldLeadership.class)).containsExactly(new FenceAction.YieldLeadership(3));
    assertThat(s.state().status()).isEqualTo(Status.NOT_SERVING);
  }

  @Test
  void c6ASuspectClockEndsAFenceUnderWay() {
    s.leaderAndSettle(4);
    s.clear();
    s.on(new FenceInput.ClockVerdict(true, SUSPECT));
    assertThat(s.last()).contains(new FenceAction.YieldLeadership(4),
        new FenceAction.FenceEnded(FenceOutcome.ABORTED, Optional.empty()));
    assertThat(s.protocol.phase()).isEqualTo(Phase.IDLE);
  }

  @Test
  void c6WhenThePeersAgreeAgainALeaderServesOnlyAfterANewFence() {
    serve(2, 0);
    s.on(new FenceInput.ClockVerdict(true, SUSPECT));
    s.advance(50);
    s.clear();
    s.on(new FenceInput.ClockVerdict(false, SUSPECT));
    assertThat(s.protocol.clockSuspect()).isEmpty();
    assertThat(s.all(FenceAction.OpenAllocator.class)).as("not reopened without a fence").isEmpty();
    s.advance(FenceProtocol.SETTLE_MILLIS);
    assertThat(s.all(FenceAction.Load.class)).as("a new fence of the term it still leads").hasSize(1);
    assertThat(s.protocol.phase()).isEqualTo(Phase.LOADING);
  }

  @Test
  void c6AFollowerWithASuspectClockOnlyRemembersIt() {
    s.event(new LeadershipEvent.Follower(2, Optional.of("n2")));
    s.clear();
    s.on(new FenceInput.ClockVerdict(true, SUSPECT));
    assertThat(s.all(FenceAction.YieldLeadership.class)).isEmpty();
    assertThat(s.all(FenceAction.CloseAllocator.class)).isEmpty();
    // Positive control: once elected, it refuses.
    s.event(new LeadershipEvent.Leader(3));
    assertThat(s.all(FenceAction.YieldLeadership.class)).hasSize(1);
  }
}
