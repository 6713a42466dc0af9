package io.tso4j.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.LeaderHint;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One unary call with leader following and failover, under one deadline.
 *
 * <p>The call works in rounds. A round tries the cached leader's endpoint first, then the configured endpoints in
 * order, one attempt at a time. An UNAVAILABLE answer with a leader hint sends the next attempt straight to the
 * leader the cache now knows (at most {@code maxRedirects} times per call, never to an endpoint that already failed
 * in this round). Other retryable failures move on to the next endpoint; a poisoned node is skipped for the rest of
 * the call. Between rounds the call sleeps a full-jitter exponential backoff, cut to the time left. When the deadline
 * passes, the call fails with {@link TsoUnavailableException} if some node refused it, or with {@link
 * TsoDeadlineExceededException} if every attempt timed out. Fatal answers fail the call at once.
 *
 * <p>Thread-safety: the state is guarded by {@code this}; the result future is completed outside the lock.
 */
final class RetryingCall<ReqT, RespT, T> {
  private final CallEnvironment env;
  private final Exchange<ReqT, RespT, T> exchange;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final long startNanos;
  private final long deadlineNanos;

  // Guarded by this.
  private final Deque<String> pending = new ArrayDeque<>();
  private final Set<String> failedThisRound = new HashSet<>();
  private final Set<String> skipped = new HashSet<>();
  private int round;
  private int redirects;
  private int attempts;
  private Failure last;
  private Failure lastRefusal;
  private ClientCall<ReqT, RespT> inFlight;
  private ScheduledFuture<?> timer;

  RetryingCall(CallEnvironment env, Exchange<ReqT, RespT, T> exchange) {
    this.env = env;
    this.exchange = exchange;
    this.startNanos = System.nanoTime();
    this.deadlineNanos = startNanos + env.settings().callTimeout().toNanos();
    result.whenComplete((v, e) -> {
      if (result.isCancelled()) {
        abort(null);
      }
    });
  }

  /** The result; cancelling it cancels the call. */
  CompletableFuture<T> result() {
    return result;
  }

  /** Starts the first round. */
  void start() {
    TsoException error;
    synchronized (this) {
      error = beginRound();
    }
    failIfNeeded(error);
  }

  /** Ends the call with {@code error} (or just cancels its work if null), e.g. when the client closes. */
  void abort(TsoException error) {
    ClientCall<ReqT, RespT> call;
    ScheduledFuture<?> t;
    synchronized (this) {
      call = inFlight;
      inFlight = null;
      t = timer;
      timer = null;
    }
    if (error != null) {
      result.completeExceptionally(error);
    }
    if (t != null) {
      t.cancel(false);
    }
    if (call != null) {
      call.cancel(error == null ? "cancelled by the caller" : error.getMessage(), null);
    }
  }

  private TsoException beginRound() {
    timer = null;
    round++;
    pending.clear();
    failedThisRound.clear();
    KnownLeader leader = env.leaders().current();
    if (leader.hasEndpoint() && !skipped.contains(leader.endpoint())) {
      pending.add(leader.endpoint());
    }
    for (String e : env.settings().endpoints()) {
      if (!skipped.contains(e) && !pending.contains(e)) {
        pending.add(e);
      }
    }
    if (pending.isEmpty()) {
      return new TsoUnavailableException(exchange.describe() + ": every endpoint is out of service; last: "
          + last.error().getMessage(), last.error());
    }
    return next();
  }

  /** Starts the next attempt, or schedules the next round; returns the error that ends the call, if any. */
  private TsoException next() {
    if (result.isDone()) {
      return null;
    }
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      return exhausted();
    }
    String endpoint = pending.poll();
    if (endpoint == null) {
      return scheduleRound(remaining);
    }
    return attempt(endpoint, remaining);
  }

  private TsoException attempt(String endpoint, long remaining) {
    attempts++;
    long budget = Math.min(remaining, env.settings().attemptTimeout().toNanos());
    ClientCall<ReqT, RespT> call;
    try {
      call = env.channels().get(endpoint).newCall(exchange.method(),
          CallOptions.DEFAULT.withDeadlineAfter(budget, TimeUnit.NANOSECONDS));
    } catch (IllegalStateException closed) {
      return closedError();
    }
    inFlight = call;
    ClientCalls.asyncUnaryCall(call, exchange.request(), new StreamObserver<>() {
      private RespT response;

      @Override
      public void onNext(RespT value) {
        response = value;
      }

      @Override
      public void onError(Throwable t) {
        onAttemptFailed(endpoint, call, t);
      }

      @Override
      public void onCompleted() {
        onAttemptSucceeded(endpoint, call, response);
      }
    });
    return null;
  }

  private void onAttemptSucceeded(String endpoint, ClientCall<ReqT, RespT> call, RespT response) {
    synchronized (this) {
      if (inFlight != call) {
        return;
      }
      inFlight = null;
    }
    if (response == null) {
      result.completeExceptionally(new TsoException(endpoint + " completed " + exchange.describe()
          + " without a response"));
      return;
    }
    try {
      result.complete(exchange.accept(endpoint, response));
    } catch (TsoException e) {
      result.completeExceptionally(e);
    } catch (RuntimeException e) {
      result.completeExceptionally(new TsoException(endpoint + " sent an unusable response to "
          + exchange.describe() + ": " + e.getMessage(), e));
    }
  }

  private void onAttemptFailed(String endpoint, ClientCall<ReqT, RespT> call, Throwable t) {
    TsoException error;
    synchronized (this) {
      if (inFlight != call) {
        return;
      }
      inFlight = null;
      error = afterFailure(endpoint, StatusTranslator.classify(t, endpoint));
    }
    failIfNeeded(error);
  }

  private TsoException afterFailure(String endpoint, Failure failure) {
    if (result.isDone()) {
      return null;
    }
    last = failure;
    if (failure.kind() == Failure.Kind.RETRY || failure.kind() == Failure.Kind.SKIP_NODE) {
      lastRefusal = failure;
    }
    failedThisRound.add(endpoint);
    switch (failure.kind()) {
      case FATAL:
        return failure.error();
      case SKIP_NODE:
        skipped.add(endpoint);
        env.leaders().forget(endpoint);
        break;
      case ATTEMPT_TIMEOUT:
        env.leaders().forget(endpoint);
        break;
      case RETRY:
        if (failure.hint().isPresent()) {
          return followHint(endpoint, failure.hint().get());
        }
        env.leaders().forget(endpoint);
        break;
      default:
        throw new AssertionError(failure.kind());
    }
    return next();
  }

  private TsoException followHint(String endpoint, LeaderHint hint) {
    String hinted = ChannelPool.isValidEndpoint(hint.getEndpoint()) ? hint.getEndpoint() : "";
    if (hint.getTerm() >= 0) {
      env.leaders().offerHint(hint.getTerm(), hint.getId(), hinted);
    }
    // Go where the cache points now: a stale (lower-term) hint never overrides a newer leader.
    String target = env.leaders().current().endpoint();
    boolean usable = !target.isEmpty() && !target.equals(endpoint) && !failedThisRound.contains(target)
        && !skipped.contains(target);
    if (usable && redirects < env.settings().maxRedirects()) {
      redirects++;
      pending.remove(target);
      pending.addFirst(target);
    }
    return next();
  }

  private TsoException scheduleRound(long remainingNanos) {
    long delayNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(env.backoff().delayMillis(round)), remainingNanos);
    try {
      timer = env.timer().schedule(this::onBackoffElapsed, delayNanos, TimeUnit.NANOSECONDS);
      return null;
    } catch (RejectedExecutionException closed) {
      return closedError();
    }
  }

  private void onBackoffElapsed() {
    TsoException error;
    synchronized (this) {
      if (result.isDone()) {
        return;
      }
      error = beginRound();
    }
    failIfNeeded(error);
  }

  /**
   * The error for a call whose deadline passed: unavailable if some node refused it (the most telling failure), a
   * deadline error if every attempt timed out or none finished.
   */
  private TsoException exhausted() {
    String timing = " within " + env.settings().callTimeout() + " (" + attempts + " attempts in " + round
        + " rounds)";
    if (lastRefusal != null) {
      return new TsoUnavailableException(exchange.describe() + ": no tso4j endpoint served" + timing + "; last: "
          + lastRefusal.error().getMessage(), lastRefusal.error());
    }
    if (last != null) {
      return new TsoDeadlineExceededException(exchange.describe() + " timed out" + timing + "; last: "
          + last.error().getMessage(), last.error());
    }
    return new TsoDeadlineExceededException(exchange.describe() + " got no answer" + timing);
  }

  private TsoException closedError() {
    return new TsoUnavailableException(exchange.describe() + ": the client is closed");
  }

  private void failIfNeeded(TsoException error) {
    if (error != null) {
      result.completeExceptionally(error);
    }
  }
}
