package io.tso4j.client.internal;

import io.tso4j.client.Member;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoUnavailableException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The machinery behind one {@code TsoClient}: channels, leader cache, order guard, backoff timer and the calls in
 * flight.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClient} can use it. Thread-safe.
 */
public final class ClientRuntime implements AutoCloseable {
  private final ClientSettings settings;
  private final ChannelPool channels = new ChannelPool();
  private final LeaderCache leaders = new LeaderCache();
  private final OrderGuard guard = new OrderGuard();
  private final ScheduledThreadPoolExecutor timer;
  private final CallEnvironment env;
  private final TimestampDispatcher dispatcher;
  private final Set<RetryingCall<?, ?, ?>> active = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** A runtime for validated settings; opens no connection until the first call. */
  public ClientRuntime(ClientSettings settings) {
    this.settings = settings;
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "tso4j-client-backoff");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
    this.env = new CallEnvironment(settings, channels, leaders, new Backoff(settings.backoffBase(),
        settings.backoffMax()), timer);
    this.dispatcher = new UnaryDispatcher(this, guard);
  }

  /** The settings. */
  public ClientSettings settings() {
    return settings;
  }

  /** Asks for {@code count} timestamps (the caller has checked 1..262144). */
  public CompletableFuture<TimestampRange> timestamps(int count) {
    return dispatcher.dispatch(count);
  }

  /** Asks any reachable node for the members of the cluster. */
  public CompletableFuture<List<Member>> members() {
    return run(new MembersExchange(leaders));
  }

  LeaderCache leaders() {
    return leaders;
  }

  <ReqT, RespT, T> CompletableFuture<T> run(Exchange<ReqT, RespT, T> exchange) {
    RetryingCall<ReqT, RespT, T> call = new RetryingCall<>(env, exchange);
    if (closed) {
      return CompletableFuture.failedFuture(closedError());
    }
    active.add(call);
    call.result().whenComplete((v, e) -> active.remove(call));
    if (closed) {
      call.abort(closedError());
      return call.result();
    }
    call.start();
    return call.result();
  }

  /** Fails the calls in flight, then closes the channels and the timer. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (RetryingCall<?, ?, ?> call : active) {
      call.abort(closedError());
    }
    timer.shutdownNow();
    channels.close();
  }

  private static TsoUnavailableException closedError() {
    return new TsoUnavailableException("the client is closed");
  }
}
