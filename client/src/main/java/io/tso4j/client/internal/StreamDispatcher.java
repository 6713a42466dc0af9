package io.tso4j.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Puts concurrent requests for timestamps on one StreamTimestamps stream to the leader. It coordinates parts that
 * each make one decision: {@link CallQueue} (coalescing: callers that arrive while a request is out join the next
 * one, at most 262,144 timestamps per request), {@link PipelinePolicy} (when another request may go out),
 * {@link Delivery} (checking a response and splitting it among exactly its batch's callers), {@link DeadlineSweeper}
 * (callers whose deadline passed, requests unanswered for the attempt timeout), {@link StreamConnector} (where the
 * stream goes, by the {@link EndpointRound} the unary calls use too) and {@link SilentLeaderWatch} (leaving a leader
 * that went silent once another member names a newer one).
 *
 * <p>A failed stream's requests go back to the head of the queue, in order, and are sent again on the next stream
 * (the first server may have handed out those values; they are never returned). A fatal answer (invalid argument,
 * unexpected status) fails the callers of the request it answered. An idle stream that ended (server restart, idle
 * timeout) says nothing about its node: the next call reconnects. {@link #close()} fails every waiting caller at once.
 *
 * <p>Thread-safety: the state is guarded by {@code this}; futures are completed outside the lock.
 */
final class StreamDispatcher implements TimestampStream.Listener, StreamConnector.Owner {
  private record Doomed(Waiter waiter, TsoException error) {
  }

  private final CallEnvironment env;
  private final OrderGuard guard;
  private final Ticker ticker;
  private final MetricsHub metrics;
  private final Runnable onFirstServed;
  /** The stream whose first answer last triggered {@link #onFirstServed} (guarded by this). */
  private TimestampStream learnedOn;
  private final long callTimeoutNanos;
  private final long attemptTimeoutNanos;
  private final Delivery delivery;

  // Guarded by this.
  private final CallQueue queue = new CallQueue();
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private final PipelinePolicy pipeline;
  private final DeadlineSweeper sweeper;
  private final StreamConnector connector;
  private final SilentLeaderWatch silence;
  private final List<Doomed> doomed = new ArrayList<>();
  private boolean delivering;
  private int deliveringLeft;
  private int pipelineThreshold = Integer.MAX_VALUE;
  private boolean closed;
  private boolean served;
  private long nextRequestId;
  private volatile int inFlightCount;

  StreamDispatcher(CallEnvironment env, Transport transport, OrderGuard guard, Runnable onFirstServed) {
    this.env = env;
    this.guard = guard;
    this.ticker = env.ticker();
    this.metrics = env.metrics();
    this.onFirstServed = onFirstServed;
    this.callTimeoutNanos = env.settings().callTimeout().toNanos();
    this.attemptTimeoutNanos = env.settings().attemptTimeout().toNanos();
    this.delivery = new Delivery(guard, env.leaders(), metrics, ticker);
    this.pipeline = new PipelinePolicy(env.settings().maxInFlight());
    this.sweeper = new DeadlineSweeper(env.scheduler(), this::sweep);
    this.connector = new StreamConnector(env, transport, this, this);
    this.silence = new SilentLeaderWatch(env, transport, this, this::abandon);
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
      s = connector.close();
      requeueInFlight();
      queue.drainTo(orphans);
      sweeper.cancel();
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

  // ---- StreamConnector.Owner (under the lock, except locked) ----

  @Override
  public boolean hasWork() {
    return !queue.isEmpty() || !inFlight.isEmpty();
  }

  @Override
  public void locked(Runnable action) {
    synchronized (this) {
      if (!closed) {
        action.run();
        pump(ticker.nanoTime());
      }
    }
    flush();
  }

  @Override
  public void giveUp(TsoException error) {
    List<Waiter> all = new ArrayList<>();
    queue.drainTo(all);
    for (Waiter w : all) {
      doomed.add(new Doomed(w, error));
    }
  }

  // ---- sending (under the lock) ----

  private void pump(long now) {
    if (closed || queue.isEmpty()) {
      return;
    }
    sweeper.arm();
    TimestampStream s = connector.connect();
    if (s == null) {
      return;
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
        s.send(b.total, b.requestId);
      } catch (RuntimeException e) {
        s.cancel("send failed");
        streamFailed(s, Failure.unreachable(new TsoUnavailableException(s.endpoint() + " failed: " + e, e)));
        return;
      }
    }
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
      if (s != connector.current()) {
        return;
      }
      b = inFlight.pollFirst();
      inFlightCount = inFlight.size();
      if (b == null) {
        s.cancel("unexpected response");
        streamFailed(s, Failure.unreachable(new TsoUnavailableException(s.endpoint()
            + " sent a response to no request")));
      } else {
        pipeline.answered(b.sentNanos, start);
        connector.served(s);
        // Learn the membership once a node first serves, and again whenever a new stream is served by an endpoint
        // the client does not know as a member (a seed in front of a replaced cluster): a node that holds requests
        // may serve it without any refusal, so no re-bootstrap would have refreshed the members.
        if (!served || (s != learnedOn && !env.failover().view().known().contains(s.endpoint()))) {
          served = true;
          learnedOn = s;
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
      if (s != connector.current()) {
        return;
      }
      streamFailed(s, status.isOk()
          ? Failure.unreachable(new TsoUnavailableException(s.endpoint() + " ended the stream"))
          : env.classify(status.asRuntimeException(trailers), s.endpoint()));
    }
    flush();
  }

  /** The silent-leader watch gave up on {@code s}. Under the lock. */
  private void abandon(TimestampStream s, Failure f) {
    if (s == connector.current()) {
      s.cancel("a newer leader is known");
      streamFailed(s, f);
    }
  }

  /**
   * The stream {@code s} (the current one) is over: requeue its requests (or fail the head request's callers on a
   * fatal answer), let the connector decide where to go next, and go on. Under the lock.
   */
  private void streamFailed(TimestampStream s, Failure f) {
    boolean idle = inFlight.isEmpty();
    if (f.kind() == Failure.Kind.FATAL && !inFlight.isEmpty()) {
      Batch head = inFlight.pollFirst();
      for (int i = 0; i < head.size; i++) {
        doomed.add(new Doomed(head.waiters[i], f.error()));
      }
    }
    requeueInFlight();
    if (f.kind() == Failure.Kind.FATAL || (idle && f.hint().isEmpty())) {
      connector.detach(s);
    } else {
      connector.failed(s, f);
    }
    pump(ticker.nanoTime());
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
      TimestampStream s = connector.current();
      if (head != null && s != null) {
        long waited = now - head.sentNanos;
        if (waited > attemptTimeoutNanos) {
          s.cancel("attempt timed out");
          streamFailed(s, Failure.timedOut(new TsoDeadlineExceededException(s.endpoint() + " did not answer within "
              + env.settings().attemptTimeout())));
        } else {
          silence.check(s, waited, now);
        }
      }
      DeadlineSweeper.collectExpired(now, queue, inFlight, expired);
      last = connector.lastFailure();
      lastNanos = connector.lastFailureNanos();
      if (hasWork()) {
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

  private static TsoUnavailableException closedError() {
    return new TsoUnavailableException("GetTimestamp: the client is closed");
  }
}
