package io.tso4j.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One unary call with leader following and failover, under one deadline: it performs the steps of an
 * {@link EndpointRound} (the policy the stream uses too) until a node serves, the round gives up, or the deadline
 * passes. Each attempt's gRPC deadline is the attempt timeout, cut to what is left of the call; every delay is cut
 * to it too. When the deadline passes, the call fails with {@link TsoUnavailableException} if some node refused it,
 * or with {@link io.tso4j.client.TsoDeadlineExceededException} if every attempt timed out. Fatal answers fail the
 * call at once.
 *
 * <p>Thread-safety: the state is guarded by {@code this}; the result future is completed outside the lock.
 */
final class UnaryCall<ReqT, RespT, T> {
  private final CallEnvironment env;
  private final Exchange<ReqT, RespT, T> exchange;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final long deadlineNanos;
  private final EndpointRound round;

  // Guarded by this.
  private ClientCall<?, ?> inFlight;
  private TaskScheduler.Cancellable timer;

  UnaryCall(CallEnvironment env, Exchange<ReqT, RespT, T> exchange) {
    this.env = env;
    this.exchange = exchange;
    this.deadlineNanos = env.ticker().nanoTime() + env.settings().callTimeout().toNanos();
    this.round = new EndpointRound(env.failover(), env.metrics());
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

  /** Starts the first attempt. */
  void start() {
    TsoException error;
    synchronized (this) {
      error = perform(round.next());
    }
    failIfNeeded(error);
  }

  /** Ends the call with {@code error} (or just cancels its work if null), e.g. when the client closes. */
  void abort(TsoException error) {
    ClientCall<?, ?> call;
    TaskScheduler.Cancellable t;
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
      t.cancel();
    }
    if (call != null) {
      call.cancel(error == null ? "cancelled by the caller" : error.getMessage(), null);
    }
  }

  /** Carries out {@code step}; returns the error that ends the call, if any. Under the lock. */
  private TsoException perform(EndpointRound.Step step) {
    if (result.isDone()) {
      return null;
    }
    long remaining = deadlineNanos - env.ticker().nanoTime();
    if (remaining <= 0) {
      return round.deadlineError(exchange.describe(), env.settings().callTimeout());
    }
    if (step instanceof EndpointRound.Send send) {
      if (send.delayNanos() <= 0) {
        return attempt(send.endpoint(), remaining);
      }
      return later(() -> attemptLater(send.endpoint()), Math.min(send.delayNanos(), remaining));
    }
    if (step instanceof EndpointRound.Poll poll) {
      return later(() -> poll(poll.endpoint()), Math.min(poll.delayNanos(), remaining));
    }
    if (step instanceof EndpointRound.Wait wait) {
      if (wait.rebootstrap() && env.rebootstrap().trigger()) {
        env.metrics().retried(ClientMetrics.RetryReason.REBOOTSTRAP);
      }
      return later(this::nextLater, Math.min(wait.delayNanos(), remaining));
    }
    EndpointRound.GiveUp giveUp = (EndpointRound.GiveUp) step;
    return new TsoUnavailableException(exchange.describe() + ": " + giveUp.error().getMessage(),
        giveUp.error().getCause());
  }

  private TsoException attempt(String endpoint, long remaining) {
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

  private TsoException later(Runnable task, long delayNanos) {
    try {
      timer = env.scheduler().schedule(task, delayNanos);
      return null;
    } catch (RejectedExecutionException closed) {
      return closedError();
    }
  }

  private void attemptLater(String endpoint) {
    TsoException error;
    synchronized (this) {
      timer = null;
      if (result.isDone()) {
        return;
      }
      long remaining = deadlineNanos - env.ticker().nanoTime();
      error = remaining <= 0 ? round.deadlineError(exchange.describe(), env.settings().callTimeout())
          : attempt(endpoint, remaining);
    }
    failIfNeeded(error);
  }

  private void nextLater() {
    TsoException error;
    synchronized (this) {
      timer = null;
      error = perform(round.next());
    }
    failIfNeeded(error);
  }

  private void poll(String endpoint) {
    long budget;
    synchronized (this) {
      timer = null;
      if (result.isDone()) {
        return;
      }
      budget = Math.min(deadlineNanos - env.ticker().nanoTime(), env.settings().attemptTimeout().toNanos());
    }
    new GrpcTransport(env.channels(), 0).getMembers(endpoint, Math.max(1, budget), (r, t) -> {
      TsoException error;
      synchronized (this) {
        EndpointRound.Step next;
        if (r != null) {
          env.failover().view().learn(MembersExchange.members(r));
          next = round.polled(endpoint, r);
        } else {
          next = round.pollFailed(endpoint, env.classify(t, endpoint));
        }
        error = perform(next);
      }
      failIfNeeded(error);
    });
  }

  private void onAttemptSucceeded(String endpoint, ClientCall<ReqT, RespT> call, RespT response) {
    synchronized (this) {
      if (inFlight != call) {
        return;
      }
      inFlight = null;
      round.served(endpoint);
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
      Failure f = env.classify(t, endpoint);
      error = f.kind() == Failure.Kind.FATAL ? f.error() : perform(round.failed(endpoint, f));
    }
    failIfNeeded(error);
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
