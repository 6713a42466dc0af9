package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.core.IntervalFunction;
import io.tso4j.core.FenceAction.Log.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Drives a {@link FenceProtocol} by hand on a manual clock: {@code on(input)} feeds one input at the current time and
 * keeps the actions it returned, so a test can assert on them and answer the driver calls. Nothing runs by itself:
 * time moves only when the test calls {@link #advance}, which also delivers the tick the protocol asked for.
 */
final class ProtocolScript {
  static final String ID = "n1";
  static final long START_MONO = 1_000_000_000L;
  static final long START_WALL = 1_700_000_000_000L;

  final FenceConfig config;
  final Duration lease;
  final FenceProtocol protocol;
  private long mono = START_MONO;
  /** The oracle time moves with the monotonic clock from this anchor (reset by {@link #physical(long)}). */
  private long physicalAnchor = START_WALL;
  private long monoAnchor = START_MONO;
  private long refusals;
  private final List<FenceAction> all = new ArrayList<>();
  private List<FenceAction> last = List.of();
  private long wakeAt = Long.MIN_VALUE;

  /** A script over a fresh protocol with a backoff without jitter (base × 2^(n−1), capped). */
  ProtocolScript(FenceConfig config, Duration lease) {
    this.config = config;
    this.lease = lease;
    this.protocol = new FenceProtocol(ID, config, lease,
        IntervalFunction.ofExponentialBackoff(config.backoffBase(), 2.0, config.backoffMax()));
  }

  /** Feeds {@code input} now; returns (and keeps) the actions. */
  List<FenceAction> on(FenceInput input) {
    last = protocol.on(input, new FenceProtocol.Now(mono, physical(), refusals));
    all.addAll(last);
    for (FenceAction a : last) {
      if (a instanceof FenceAction.WakeAt w) {
        wakeAt = w.monoNanos();
      } else if (a instanceof FenceAction.Exit) {
        wakeAt = Long.MIN_VALUE;
      }
    }
    return last;
  }

  /** Feeds a pushed leadership event. */
  List<FenceAction> event(LeadershipEvent e) {
    return on(new FenceInput.Leadership(e));
  }

  /**
   * Lets {@code millis} pass (monotonic and physical alike), delivering a tick whenever the protocol's wake-up is due
   * on the way, as the leader watch's loop does.
   */
  ProtocolScript advance(long millis) {
    long end = mono + TimeUnit.MILLISECONDS.toNanos(millis);
    for (int i = 0; wakeAt != Long.MIN_VALUE && wakeAt - end <= 0; i++) {
      assertThat(i).as("the protocol keeps asking to be woken in the past").isLessThan(100_000);
      mono = Math.max(mono, wakeAt);
      on(FenceInput.TICK);
    }
    mono = end;
    return this;
  }

  /** Lets {@code millis} pass without delivering ticks (the loop is busy or the test wants one exact input). */
  ProtocolScript advanceQuietly(long millis) {
    mono += TimeUnit.MILLISECONDS.toNanos(millis);
    return this;
  }

  /** Sets the oracle time the next inputs see; it moves on with the monotonic clock from there. */
  ProtocolScript physical(long millis) {
    physicalAnchor = millis;
    monoAnchor = mono;
    return this;
  }

  ProtocolScript refusals(long n) {
    refusals = n;
    return this;
  }

  long mono() {
    return mono;
  }

  long physical() {
    return physicalAnchor + (mono - monoAnchor) / 1_000_000;
  }

  /** The wake-up the protocol asked for last. */
  long wakeAt() {
    return wakeAt;
  }

  /** The actions of the last input. */
  List<FenceAction> last() {
    return last;
  }

  /** Every action so far. */
  List<FenceAction> all() {
    return all;
  }

  /** Forgets the actions so far (not the state). */
  ProtocolScript clear() {
    all.clear();
    return this;
  }

  /** The actions of type {@code type} so far, in order. */
  <T extends FenceAction> List<T> all(Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The one action of type {@code type} in the last batch. */
  <T extends FenceAction> T one(Class<T> type) {
    List<T> found = last.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as("exactly one %s in %s", type.getSimpleName(), last).hasSize(1);
    return found.get(0);
  }

  /** The last action of type {@code type} so far, if any. */
  <T extends FenceAction> Optional<T> latest(Class<T> type) {
    List<T> found = all(type);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
  }

  /** The serving states published so far, in order. */
  List<ServingState> published() {
    return all(FenceAction.Publish.class).stream().map(FenceAction.Publish::state).toList();
  }

  /** The last published serving state. */
  ServingState state() {
    List<ServingState> p = published();
    return p.isEmpty() ? ServingState.initial() : p.get(p.size() - 1);
  }

  /** Log lines of {@code level} so far. */
  List<String> logs(Level level) {
    return all(FenceAction.Log.class).stream().filter(l -> l.level() == level).map(FenceAction.Log::message)
        .toList();
  }

  /** The outstanding load's call id (asserts there is exactly one Load in the last batch). */
  long loadCall() {
    return one(FenceAction.Load.class).call();
  }

  /** The persist of the last batch. */
  FenceAction.Persist persist() {
    return one(FenceAction.Persist.class);
  }

  // ------------------------------------------------------------------------------------------------ whole phases

  /** Leader(term) → settle → the load is sent. Returns the Load action. */
  FenceAction.Load leaderAndSettle(long term) {
    event(new LeadershipEvent.Leader(term));
    advance(FenceProtocol.SETTLE_MILLIS);
    return latest(FenceAction.Load.class).orElseThrow();
  }

  /** Runs a complete fence of {@code term} over {@code mark} with instant driver replies; returns the open action. */
  FenceAction.OpenAllocator fence(long term, LoadedMark mark) {
    FenceAction.Load load = leaderAndSettle(term);
    on(new FenceInput.Loaded(load.call(), mark));
    FenceAction.Persist p = persist();
    on(new FenceInput.Persisted(p.call(), p.atLeast()));
    advance(Math.max(lease.toMillis(), mark.largestLease().toMillis()) + config.driftMargin().toMillis());
    FenceAction.Persist renew = latest(FenceAction.Persist.class).orElseThrow();
    on(new FenceInput.Persisted(renew.call(), renew.atLeast()));
    one(FenceAction.ConfirmLeadership.class);
    on(new FenceInput.Confirmed(term, new LeadershipEvent.Leader(term)));
    return one(FenceAction.OpenAllocator.class);
  }

  /** Answers the keep-alive persist of the last batch as committed. */
  List<FenceAction> commitKeepAlive() {
    FenceAction.Persist p = persist();
    return on(new FenceInput.Persisted(p.call(), p.atLeast()));
  }
}
