package io.tso4j.client.internal;

import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Where the timestamp stream goes: holds the current {@link TimestampStream} and carries out the steps of the
 * stream's {@link EndpointRound} (open a stream now or after a delay, poll a live member, back off and
 * re-bootstrap, give up). While a step is pending no stream opens. Not thread-safe: every method runs under the
 * dispatcher's lock; the timer and poll callbacks take it through {@link Owner#locked(Runnable)}.
 */
final class StreamConnector {
  /** The dispatcher, as the connector needs it. */
  interface Owner {
    /** Whether callers wait (queued or on the wire). */
    boolean hasWork();

    /** Runs {@code action} under the dispatcher's lock, then sends what can be sent, then completes failed callers. */
    void locked(Runnable action);

    /** Every endpoint is out of service: fail every queued caller with {@code error}. */
    void giveUp(TsoException error);
  }

  private final CallEnvironment env;
  private final Transport transport;
  private final TimestampStream.Listener listener;
  private final Owner owner;
  private final EndpointRound round;
  private final long pollTimeoutNanos;
  private TimestampStream current;
  private TaskScheduler.Cancellable timer;
  private boolean stepPending;
  private boolean recovering;
  private boolean closed;

  StreamConnector(CallEnvironment env, Transport transport, TimestampStream.Listener listener, Owner owner) {
    this.env = env;
    this.transport = transport;
    this.listener = listener;
    this.owner = owner;
    this.round = new EndpointRound(env.failover(), env.metrics());
    this.pollTimeoutNanos = env.settings().attemptTimeout().toNanos();
  }

  /** The open stream, or null. */
  TimestampStream current() {
    return current;
  }

  /** Opens a stream where the round says, unless a step is pending; returns the stream or null (none yet). */
  TimestampStream connect() {
    if (current == null && !stepPending && !closed) {
      perform(round.next());
    }
    return current;
  }

  /** The stream {@code s} failed with {@code f} (not fatal): the round decides where to go next. */
  void failed(TimestampStream s, Failure f) {
    detach(s);
    recovering = true;
    perform(round.failed(s.endpoint(), f));
  }

  /** The stream {@code s} ended in a way that says nothing about its node (fatal answer, idle end). */
  void detach(TimestampStream s) {
    if (current == s) {
      current = null;
    }
  }

  /** {@code s} served a response: a failover episode, if any, is over. */
  void served(TimestampStream s) {
    if (recovering) {
      recovering = false;
      round.served(s.endpoint());
    }
  }

  /** The last failure the round saw, or null. */
  Failure lastFailure() {
    return round.lastFailure();
  }

  /** When the last failure was seen (ticker nanos). */
  long lastFailureNanos() {
    return round.lastFailureNanos();
  }

  /** Cancels a pending step and returns the open stream (to cancel outside the lock), or null. */
  TimestampStream close() {
    closed = true;
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    TimestampStream s = current;
    current = null;
    return s;
  }

  private void perform(EndpointRound.Step step) {
    if (step instanceof EndpointRound.Send send) {
      if (send.delayNanos() <= 0) {
        open(send.endpoint());
      } else {
        later(() -> open(send.endpoint()), send.delayNanos());
      }
    } else if (step instanceof EndpointRound.Poll poll) {
      later(() -> poll(poll.endpoint()), poll.delayNanos());
    } else if (step instanceof EndpointRound.Wait wait) {
      if (wait.rebootstrap() && env.rebootstrap().trigger()) {
        env.metrics().retried(ClientMetrics.RetryReason.REBOOTSTRAP);
      }
      later(() -> { }, wait.delayNanos());
    } else {
      TsoException e = ((EndpointRound.GiveUp) step).error();
      owner.giveUp(new TsoUnavailableException("GetTimestamp: " + e.getMessage(), e.getCause()));
    }
  }

  private void open(String endpoint) {
    try {
      current = transport.open(endpoint, listener);
    } catch (IllegalStateException closing) {
      // The channel pool is closed: close() fails the waiters.
    }
  }

  /** Runs {@code action} after {@code delayNanos} under the lock, if callers still wait. */
  private void later(Runnable action, long delayNanos) {
    try {
      timer = env.scheduler().schedule(() -> owner.locked(() -> {
        stepPending = false;
        timer = null;
        if (!closed && owner.hasWork()) {
          action.run();
        }
      }), delayNanos);
      stepPending = true;
    } catch (RejectedExecutionException closing) {
      // The client is closing; close() fails the waiters.
    }
  }

  private void poll(String endpoint) {
    stepPending = true;
    transport.getMembers(endpoint, pollTimeoutNanos, (r, t) -> owner.locked(() -> {
      stepPending = false;
      if (closed) {
        return;
      }
      EndpointRound.Step next;
      if (r != null) {
        env.failover().view().learn(MembersExchange.members(r));
        next = round.polled(endpoint, r);
      } else {
        next = round.pollFailed(endpoint, env.classify(t, endpoint));
      }
      if (owner.hasWork()) {
        perform(next);
      }
    }));
  }
}
