package io.tso4j.client.internal;

import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.LeaderHint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Leaves a leader that went silent as soon as another node knows better: when the stream's oldest request has waited
 * {@link #silenceNanos()} ({@code attemptTimeout / 10}, at least 20 ms), it asks another known member for the members
 * (round robin, one poll at a time, at most one per that interval); if the answer names a leader of a newer term at
 * another endpoint, the stream is abandoned with that hint, instead of waiting out the attempt timeout (a hung,
 * paused or partitioned leader that was replaced). A slow but still current leader costs a few GetMembers calls.
 * Not thread-safe: the dispatcher's lock; the poll's answer takes it through {@link StreamConnector.Owner#locked}.
 */
final class SilentLeaderWatch {
  private static final long MIN_SILENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** What the watch does with a stream it gave up on. */
  @FunctionalInterface
  interface Abandon {
    /** Ends {@code stream} (still the current one) with {@code failure}. */
    void abandon(TimestampStream stream, Failure failure);
  }

  private final CallEnvironment env;
  private final Transport transport;
  private final StreamConnector.Owner owner;
  private final Abandon abandon;
  private final long silenceNanos;
  private final long pollTimeoutNanos;
  private boolean pollOut;
  private long lastPollNanos;
  private int cursor;

  SilentLeaderWatch(CallEnvironment env, Transport transport, StreamConnector.Owner owner, Abandon abandon) {
    this.env = env;
    this.transport = transport;
    this.owner = owner;
    this.abandon = abandon;
    this.pollTimeoutNanos = env.settings().attemptTimeout().toNanos();
    this.silenceNanos = Math.max(MIN_SILENCE_NANOS, pollTimeoutNanos / 10);
  }

  /** How long the oldest request waits before another member is asked. */
  long silenceNanos() {
    return silenceNanos;
  }

  /** The oldest request on {@code stream} has waited {@code waitedNanos}; polls another member if it is time. */
  void check(TimestampStream stream, long waitedNanos, long nowNanos) {
    if (waitedNanos < silenceNanos || pollOut || (lastPollNanos != 0 && nowNanos - lastPollNanos < silenceNanos)) {
      return;
    }
    Set<String> others = new LinkedHashSet<>(env.failover().view().known());
    others.addAll(env.failover().view().seeds());
    others.remove(stream.endpoint());
    others.removeIf(e -> env.failover().reachability().suspect(e));
    if (others.isEmpty()) {
      return;
    }
    List<String> list = new ArrayList<>(others);
    String target = list.get(Math.floorMod(cursor++, list.size()));
    pollOut = true;
    lastPollNanos = nowNanos;
    long termNow = env.leaders().current().term();
    transport.getMembers(target, pollTimeoutNanos, (r, t) -> owner.locked(() -> {
      pollOut = false;
      if (r == null) {
        return;
      }
      env.failover().view().learn(MembersExchange.members(r));
      if (!r.hasLeader()) {
        return;
      }
      LeaderHint h = r.getLeader();
      if (h.getTerm() > Math.max(termNow, env.leaders().current().term())
          && ChannelPool.isValidEndpoint(h.getEndpoint()) && !h.getEndpoint().equals(stream.endpoint())) {
        abandon.abandon(stream, new Failure(Failure.Kind.RETRY, new TsoUnavailableException(stream.endpoint()
            + " did not answer for " + TimeUnit.NANOSECONDS.toMillis(waitedNanos + (env.ticker().nanoTime()
            - nowNanos)) + " ms while " + target + " names " + h.getId() + " (" + h.getEndpoint()
            + ") leader of term " + h.getTerm()), Optional.of(h), false));
      }
    }));
  }
}
