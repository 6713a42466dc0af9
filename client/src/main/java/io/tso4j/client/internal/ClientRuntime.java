package io.tso4j.client.internal;

import io.tso4j.client.Member;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoUnavailableException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machinery behind one {@code TsoClient}: channels, the cluster view and leader cache, the order guard, the
 * stream dispatcher, the re-bootstrap, the scheduler, the metrics and the unary calls in flight.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClient} can use it. Thread-safe.
 */
public final class ClientRuntime implements AutoCloseable {
  private static final AtomicLong INSTANCES = new AtomicLong();

  private final ClientSettings settings;
  private final ExecutorScheduler ownScheduler;
  private final AutoCloseable tlsReloads;
  private final ChannelPool channels;
  private final ClusterView view;
  private final MetricsHub metrics;
  private final OrderGuard guard;
  private final CallEnvironment env;
  private final Rebootstrap rebootstrap;
  private final StreamDispatcher dispatcher;
  private final Set<UnaryCall<?, ?, ?>> active = ConcurrentHashMap.newKeySet();
  private final AtomicLong unaryIds = new AtomicLong();
  private volatile boolean closed;

  /**
   * A runtime for validated settings; opens no connection until the first call (TLS files are read now).
   *
   * @throws IllegalArgumentException naming the file if a TLS file cannot be read
   */
  public ClientRuntime(ClientSettings settings) {
    this.settings = settings;
    this.ownScheduler = new ExecutorScheduler();
    TaskScheduler scheduler = settings.scheduler() == null ? ownScheduler : settings.scheduler();
    ChannelSecurity.Opened creds;
    try {
      creds = settings.security().open(scheduler);
    } catch (RuntimeException e) {
      ownScheduler.close();
      throw e;
    }
    this.tlsReloads = creds.reloads();
    this.channels = new ChannelPool(creds.credentials());
    this.metrics = new MetricsHub(Long.toString(INSTANCES.incrementAndGet()));
    this.guard = new OrderGuard(metrics);
    this.view = new ClusterView(settings.endpoints());
    LeaderCache leaders = new LeaderCache();
    FailoverContext failover = new FailoverContext(leaders, view, new Reachability(settings.ticker()),
        new Backoff(settings.backoffBase(), settings.backoffMax()), settings.maxRedirects(), settings.ticker());
    this.rebootstrap = new Rebootstrap(channels, view, done -> members().whenComplete((m, e) -> done.run()));
    this.env = new CallEnvironment(settings, channels, failover, scheduler, metrics, rebootstrap);
    // Once a node served, learn the membership in the background (a seed may be only a bootstrap address).
    this.dispatcher = new StreamDispatcher(env, new GrpcTransport(channels, settings.serverWaitMillis()), guard,
        this::members);
  }

  /** The settings. */
  public ClientSettings settings() {
    return settings;
  }

  /** The metrics of this client, for binders. */
  public MetricsHub metrics() {
    return metrics;
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
    if (!dispatcher.onDeliveryThread()) {
      return dispatcher.dispatch(count);
    }
    long start = settings.ticker().nanoTime();
    CompletableFuture<TimestampRange> f = run(new TimestampExchange(count, unaryIds.incrementAndGet(),
        settings.serverWaitMillis(), guard, env.leaders()));
    if (metrics.enabled()) {
      f.whenComplete((r, e) -> metrics.callCompleted(e == null ? CallOutcome.OK : CallOutcome.of(e),
          settings.ticker().nanoTime() - start));
    }
    return f;
  }

  /** Asks any reachable node for the members of the cluster; the answer also updates the known endpoints. */
  public CompletableFuture<List<Member>> members() {
    CompletableFuture<List<Member>> f = run(new MembersExchange(env.leaders()));
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
    return env.leaders();
  }

  <ReqT, RespT, T> CompletableFuture<T> run(Exchange<ReqT, RespT, T> exchange) {
    UnaryCall<ReqT, RespT, T> call = new UnaryCall<>(env, exchange);
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

  /** Fails the calls in flight, then closes the channels, the TLS reloads, the timer and the metrics. Idempotent. */
  @Override
  public void close() {
    closed = true;
    dispatcher.close();
    for (UnaryCall<?, ?, ?> call : active) {
      call.abort(closedError());
    }
    try {
      tlsReloads.close();
    } catch (Exception ignored) {
      // Nothing to do: the scheduler that runs the reloads stops next.
    }
    ownScheduler.close();
    channels.close();
    metrics.clientClosed();
  }

  private static TsoUnavailableException closedError() {
    return new TsoUnavailableException("the client is closed");
  }
}
