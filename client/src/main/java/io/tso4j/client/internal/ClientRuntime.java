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
 * The machinery behind one {@code TsoClient}: channels, the cluster view and leader cache, the order guard, the
 * stream dispatcher, the re-bootstrap, the timer and the calls in flight.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClient} can use it. Thread-safe.
 */
public final class ClientRuntime implements AutoCloseable {
  private final ClientSettings settings;
  private final ChannelPool channels = new ChannelPool();
  private final LeaderCache leaders = new LeaderCache();
  private final ClusterView view;
  private final ClientMetrics metrics;
  private final OrderGuard guard;
  private final ScheduledThreadPoolExecutor timer;
  private final CallEnvironment env;
  private final Rebootstrap rebootstrap;
  private final StreamDispatcher dispatcher;
  private final Set<RetryingCall<?, ?, ?>> active = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicLong unaryIds = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean closed;

  /**
   * A runtime for validated settings; opens no connection until the first call.
   *
   * @throws IllegalArgumentException if the settings name a meter registry that is not a Micrometer MeterRegistry
   */
  public ClientRuntime(ClientSettings settings) {
    this.settings = settings;
    this.metrics = settings.meterRegistry() == null ? ClientMetrics.NONE : MicrometerMetrics.of(settings.meterRegistry());
    this.guard = new OrderGuard(metrics);
    this.view = new ClusterView(settings.endpoints());
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "tso4j-client-timer");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
    this.env = new CallEnvironment(settings, channels, leaders, new Backoff(settings.backoffBase(),
        settings.backoffMax()), timer);
    this.rebootstrap = new Rebootstrap(channels, view, done -> members().whenComplete((m, e) -> done.run()));
    // Once a node served, learn the membership in the background (a seed may be only a bootstrap address).
    this.dispatcher = new StreamDispatcher(env, view, rebootstrap, guard, metrics, settings.maxInFlight(),
        this::members);
  }

  /** The settings. */
  public ClientSettings settings() {
    return settings;
  }

  /** Asks for {@code count} timestamps (the caller has checked 1..262144). */
  public CompletableFuture<TimestampRange> timestamps(int count) {
    return dispatcher.dispatch(count);
  }

  /**
   * Asks for {@code count} timestamps for a caller that will block on the result. On the thread that hands out the
   * stream's responses (inside a continuation of an async call) the stream cannot answer until that thread returns,
   * so such a call goes as its own unary RPC; anywhere else it joins the stream like any call.
   */
  public CompletableFuture<TimestampRange> timestampsBlocking(int count) {
    if (dispatcher.onDeliveryThread()) {
      return run(new TimestampExchange(count, unaryIds.incrementAndGet(), guard, leaders));
    }
    return dispatcher.dispatch(count);
  }

  /** Asks any reachable node for the members of the cluster; the answer also updates the known endpoints. */
  public CompletableFuture<List<Member>> members() {
    CompletableFuture<List<Member>> f = run(new MembersExchange(leaders));
    f.thenAccept(view::learn);
    return f;
  }

  /** How many responses the order guard rejected. */
  public long orderViolations() {
    return guard.violations();
  }

  /** How many times the client went back to its seed list. */
  public long rebootstraps() {
    return rebootstrap.count();
  }

  /** The endpoints the client would try now (learned members, or the seeds). */
  public List<String> knownEndpoints() {
    return view.known();
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
    dispatcher.close();
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
