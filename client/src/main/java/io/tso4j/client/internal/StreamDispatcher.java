package io.tso4j.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.client.Member;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.LeaderHint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Puts concurrent requests for timestamps on one StreamTimestamps stream to the leader and keeps that stream alive.
 * It coordinates the parts that each make one decision: {@link CallQueue} (coalescing: callers that arrive while a
 * request is out join the next one, at most 262,144 timestamps per request), {@link PipelinePolicy} (when another
 * request may go out), {@link Delivery} (checking a response and splitting it among exactly its batch's callers),
 * {@link DeadlineSweeper} (callers whose deadline passed, requests unanswered for too long) and {@link EndpointRound}
 * (where the stream goes after a failure: the policy the unary calls use too).
 *
 * <p><b>Failover.</b> A failed stream's requests go back to the head of the queue, in order, and are sent again on
 * the next stream (the first server may have handed out those values; they are never returned). The next stream goes
 * where the endpoint round says, at once, after a delay, or after polling a live member for the leader. An idle
 * stream that ended (server restart, idle timeout) reconnects to the same node on the next call.
 *
 * <p><b>A silent leader.</b> When the oldest request has waited {@code attemptTimeout / 10} (at least 20 ms) the
 * dispatcher asks another known member for the members, again every such interval; if that member names a leader of
 * a newer term elsewhere, the stream is abandoned at once instead of waiting out the attempt timeout (a hung or
 * partitioned leader that was replaced).
 *
 * <p>Thread-safety: the state is guarded by {@code this}; futures are completed outside the lock.
 */
final class StreamDispatcher implements TimestampStream.Listener {
  private static final long MIN_SILENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private record Doomed(Waiter waiter, TsoException error) {
  }

  private final CallEnvironment env;
  private final Transport transport;
  private final OrderGuard guard;
  private final Ticker ticker;
  private final MetricsHub metrics;
  private final Runnable onFirstServed;
  private final long callTimeoutNanos;
  private final long attemptTimeoutNanos;
  private final long silenceNanos;
  private final Delivery delivery;

  // Guarded by this.
  private final CallQueue queue = new CallQueue();
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private final EndpointRound round;
  private final PipelinePolicy pipeline;
  private final DeadlineSweeper sweeper;
  private final List<Doomed> doomed = new ArrayList<>();
  private TimestampStream current;
  private TaskScheduler.Cancellable stepTimer;
  private boolean stepPending;
  private boolean recovering;
  private boolean delivering;
  private int deliveringLeft;
  private int pipelineThreshold = Integer.MAX_VALUE;
  private boolean closed;
  private boolean served;
  private long nextRequestId;
  private boolean silencePollOut;
  private long lastSilencePollNanos;
  private int silenceCursor;
  private volatile int inFlightCount;

  StreamDispatcher(CallEnvironment env, Transport transport, OrderGuard guard, Runnable onFirstServed) {
    this.env = env;
    this.transport = transport;
    this.guard = guard;
    this.ticker = env.ticker();
    this.metrics = env.metrics();
    this.onFirstServed = onFirstServed;
    this.callTimeoutNanos = env.settings().callTimeout().toNanos();
    this.attemptTimeoutNanos = env.settings().attemptTimeout().toNanos();
    this.silenceNanos = Math.max(MIN_SILENCE_NANOS, attemptTimeoutNanos / 10);
    this.delivery = new Delivery(guard, env.leaders(), metrics, ticker);
    this.round = new EndpointRound(env.failover(), metrics);
    this.pipeline = new PipelinePolicy(env.settings().maxInFlight());
    this.sweeper = new DeadlineSweeper(env.scheduler(), this::sweep);
    metrics.requestsInFlight(() -> inFlightCount);
  }

  /** Asks for {@code count} timestamps (already validated to 1..262144). */
  CompletableFuture<TimestampRange> dispatch(int count) {
    long now = ticker.nanoTime();
    Waiter w = new Waiter(count, guard.highestReturned(), guard.highestTerm(), now, now + callTimeoutNanos);
    boolean refused;
    synchronized (this) {
      refused = closed;
      if (!refused) {
        queue.add(w);
        pump(now);
        if (doomed.isEmpty()) {
          return w;
        }
      }
    }
    if (refused) {
      w.fail(closedError(), metrics, ticker);
    }
    flush();
    return w;
  }

  /** See {@link Delivery#onDeliveryThread()}. */
  boolean onDeliveryThread() {
    return delivery.onDeliveryThread();
  }

  /** How many requests are on the wire. */
  int inFlight() {
    return inFlightCount;
  }

  /** Fails every waiting caller with an unavailable error and ends the stream. Idempotent. */
  void close() {
    List<Waiter> orphans = new ArrayList<>();
    TimestampStream s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = current;
      current = null;
      requeueInFlight();
      queue.drainTo(orphans);
      sweeper.cancel();
      if (stepTimer != null) {
        stepTimer.cancel();
        stepTimer = null;
      }
    }
    if (s != null) {
      s.cancel("the client is closed");
    }
    TsoException e = closedError();
    for (Waiter w : orphans) {
      w.fail(e, metrics, ticker);
    }
    flush();
  }

  // ---- sending (under the lock) ----

  private void pump(long now) {
    if (closed || queue.isEmpty()) {
      return;
    }
    sweeper.arm();
    if (current == null) {
      if (stepPending) {
        return;
      }
      perform(round.next());
      if (current == null) {
        return;
      }
    }
    while (pipeline.maySend(inFlight.size(), queue.size(), delivering, deliveringLeft, now)) {
      Batch b = queue.take(++nextRequestId, WireKeys.MAX_COUNT, now, metrics);
      if (b == null) {
        return;
      }
      inFlight.addLast(b);
      inFlightCount = inFlight.size();
      pipeline.sent(now);
      metrics.batchSent(b.size, b.total);
      try {
        current.send(b.total, b.requestId);
      } catch (RuntimeException e) {
        TimestampStream broken = current;
        broken.cancel("send failed");
        streamFailed(broken, Failure.unreachable(new TsoUnavailableException(broken.endpoint() + " failed: " + e, e)),
            now);
        return;
      }
    }
  }

  /** Carries out one step of the endpoint round. */
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
      if (env.rebootstrap().trigger()) {
        metrics.retried(ClientMetrics.RetryReason.REBOOTSTRAP);
      }
      later(() -> { }, wait.delayNanos());
    } else if (step instanceof EndpointRound.GiveUp giveUp) {
      TsoException e = new TsoUnavailableException("GetTimestamp: " + giveUp.error().getMessage(),
          giveUp.error().getCause());
      List<Waiter> all = new ArrayList<>();
      queue.drainTo(all);
      for (Waiter w : all) {
        doomed.add(new Doomed(w, e));
      }
    }
  }

  private void open(String endpoint) {
    try {
      current = transport.open(endpoint, this);
    } catch (IllegalStateException closing) {
      // The channel pool is closed: close() fails the waiters.
    }
  }

  /** Runs {@code action} (then a pump) after {@code delayNanos}, if callers still wait; no stream opens meanwhile. */
  private void later(Runnable action, long delayNanos) {
    try {
      stepTimer = env.scheduler().schedule(() -> {
        synchronized (this) {
          stepPending = false;
          stepTimer = null;
          if (closed || (queue.isEmpty() && inFlight.isEmpty())) {
            return;
          }
          action.run();
          pump(ticker.nanoTime());
        }
        flush();
      }, delayNanos);
      stepPending = true;
    } catch (RejectedExecutionException closing) {
      // The client is closing; close() fails the waiters.
    }
  }

  /** Asks {@code endpoint} for the members (a poll of the endpoint round); no stream opens until it answers. */
  private void poll(String endpoint) {
    stepPending = true;
    transport.getMembers(endpoint, attemptTimeoutNanos, (r, t) -> {
      synchronized (this) {
        stepPending = false;
        if (closed) {
          return;
        }
        EndpointRound.Step next;
        if (r != null) {
          env.failover().view().learn(members(r));
          next = round.polled(endpoint, r);
        } else {
          next = round.pollFailed(endpoint, StatusTranslator.classify(t, endpoint));
        }
        if (queue.isEmpty() && inFlight.isEmpty()) {
          return;
        }
        perform(next);
        pump(ticker.nanoTime());
      }
      flush();
    });
  }

  private void runLater(Runnable r) {
    try {
      env.scheduler().execute(r);
    } catch (RejectedExecutionException closing) {
      // Closing.
    }
  }

  // ---- receiving ----

  @Override
  public void onResponse(TimestampStream s, GetTimestampResponse response) {
    Batch b;
    long start = ticker.nanoTime();
    synchronized (this) {
      if (s != current) {
        return;
      }
      b = inFlight.pollFirst();
      inFlightCount = inFlight.size();
      if (b == null) {
        s.cancel("unexpected response");
        streamFailed(s, Failure.unreachable(new TsoUnavailableException(s.endpoint()
            + " sent a response to no request")), start);
      } else {
        pipeline.answered(b.sentNanos, start);
        if (recovering) {
          recovering = false;
          round.served(s.endpoint());
        }
        if (!served) {
          served = true;
          runLater(onFirstServed);
        }
        delivering = true;
        deliveringLeft = b.size;
        long perCaller = pipeline.perCallerNanos();
        pipelineThreshold = perCaller == 0 || pipeline.rttNanos() == 0 ? Integer.MAX_VALUE
            : (int) Math.min(Integer.MAX_VALUE, pipeline.rttNanos() / perCaller);
      }
    }
    if (b != null) {
      try {
        delivery.deliver(s.endpoint(), b, response, this::checkpoint);
      } finally {
        synchronized (this) {
          delivering = false;
          deliveringLeft = 0;
          long end = ticker.nanoTime();
          pipeline.delivered(b.size, end - start);
          pump(end);
        }
      }
    }
    flush();
  }

  /** During a delivery: send the callers already waiting again if the rest of the delivery covers a round trip. */
  private void checkpoint(int left) {
    if (left < pipelineThreshold) {
      return;
    }
    synchronized (this) {
      deliveringLeft = left;
      pump(ticker.nanoTime());
    }
  }

  @Override
  public void onClosed(TimestampStream s, Status status, Metadata trailers) {
    synchronized (this) {
      if (s != current) {
        return;
      }
      Failure f = status.isOk()
          ? Failure.unreachable(new TsoUnavailableException(s.endpoint() + " ended the stream"))
          : StatusTranslator.classify(status.asRuntimeException(trailers), s.endpoint());
      streamFailed(s, f, ticker.nanoTime());
    }
    flush();
  }

  /**
   * The stream {@code s} (the current one) is over: requeue its requests (or fail the head request's callers on a
   * fatal answer), decide where to go next, and go on. Under the lock.
   */
  private void streamFailed(TimestampStream s, Failure f, long now) {
    boolean idle = inFlight.isEmpty();
    current = null;
    if (f.kind() == Failure.Kind.FATAL && !inFlight.isEmpty()) {
      Batch head = inFlight.pollFirst();
      for (int i = 0; i < head.size; i++) {
        doomed.add(new Doomed(head.waiters[i], f.error()));
      }
    }
    requeueInFlight();
    if (f.kind() == Failure.Kind.FATAL || (idle && f.hint().isEmpty())) {
      // A fatal answer fails its callers only; an idle stream that ended says little: the next call reconnects.
      pump(now);
      return;
    }
    recovering = true;
    perform(round.failed(s.endpoint(), f));
    pump(now);
  }

  private void requeueInFlight() {
    while (!inFlight.isEmpty()) {
      queue.requeueFront(inFlight.pollLast());
    }
    inFlightCount = 0;
  }

  // ---- deadlines ----

  private void sweep() {
    List<Waiter> expired = new ArrayList<>();
    Failure last;
    long lastNanos;
    synchronized (this) {
      sweeper.fired();
      if (closed) {
        return;
      }
      long now = ticker.nanoTime();
      Batch head = inFlight.peekFirst();
      if (head != null && current != null) {
        long age = now - head.sentNanos;
        if (age > attemptTimeoutNanos) {
          TimestampStream s = current;
          s.cancel("attempt timed out");
          streamFailed(s, Failure.timedOut(new TsoDeadlineExceededException(s.endpoint() + " did not answer within "
              + env.settings().attemptTimeout())), now);
        } else if (age > silenceNanos) {
          pollForNews(now);
        }
      }
      DeadlineSweeper.collectExpired(now, queue, inFlight, expired);
      last = round.lastFailure();
      lastNanos = round.lastFailureNanos();
      if (!queue.isEmpty() || !inFlight.isEmpty()) {
        sweeper.arm();
      }
    }
    for (Waiter w : expired) {
      Failure mine = last != null && lastNanos - w.startNanos >= 0 ? last : null;
      Failure refusal = mine != null && mine.kind() != Failure.Kind.ATTEMPT_TIMEOUT ? mine : null;
      w.fail(EndpointRound.deadlineError("GetTimestamp", env.settings().callTimeout(), "", mine, refusal), metrics,
          ticker);
    }
    flush();
  }

  /** The oldest request waits unusually long: ask another member whether a newer leader is known. Under the lock. */
  private void pollForNews(long now) {
    if (silencePollOut || now - lastSilencePollNanos < silenceNanos) {
      return;
    }
    TimestampStream s = current;
    Set<String> others = new LinkedHashSet<>(env.failover().view().known());
    others.addAll(env.failover().view().seeds());
    others.remove(s.endpoint());
    others.removeIf(e -> env.failover().reachability().suspect(e));
    if (others.isEmpty()) {
      return;
    }
    List<String> list = new ArrayList<>(others);
    String target = list.get(Math.floorMod(silenceCursor++, list.size()));
    silencePollOut = true;
    lastSilencePollNanos = now;
    transport.getMembers(target, attemptTimeoutNanos, (r, t) -> {
      synchronized (this) {
        silencePollOut = false;
        if (r == null || closed || s != current) {
          return;
        }
        env.failover().view().learn(members(r));
        if (!r.hasLeader()) {
          return;
        }
        LeaderHint h = r.getLeader();
        if (h.getTerm() > env.leaders().current().term() && ChannelPool.isValidEndpoint(h.getEndpoint())
            && !h.getEndpoint().equals(s.endpoint())) {
          s.cancel("a newer leader is known");
          long waited = TimeUnit.NANOSECONDS.toMillis(ticker.nanoTime() - lastSilencePollNanos + silenceNanos);
          streamFailed(s, new Failure(Failure.Kind.RETRY, new TsoUnavailableException(s.endpoint()
              + " did not answer for " + waited + " ms while " + target + " names " + h.getId() + " leader of term "
              + h.getTerm()), Optional.of(h), false), ticker.nanoTime());
        }
      }
      flush();
    });
  }

  private void flush() {
    List<Doomed> now;
    synchronized (this) {
      if (doomed.isEmpty()) {
        return;
      }
      now = new ArrayList<>(doomed);
      doomed.clear();
    }
    for (Doomed d : now) {
      d.waiter().fail(d.error(), metrics, ticker);
    }
  }

  static List<Member> members(GetMembersResponse r) {
    List<Member> out = new ArrayList<>(r.getMembersCount());
    r.getMembersList().forEach(m -> out.add(new Member(m.getId(), m.getEndpoint())));
    return out;
  }

  private static TsoUnavailableException closedError() {
    return new TsoUnavailableException("GetTimestamp: the client is closed");
  }
}
