package io.tso4j.client;

import io.grpc.ChannelCredentials;
import io.tso4j.client.internal.ChannelSecurity;
import io.tso4j.client.internal.ClientRuntime;
import io.tso4j.client.internal.ClientSettings;
import io.tso4j.client.internal.TaskScheduler;
import io.tso4j.client.internal.Ticker;
import io.tso4j.proto.WireKeys;
import io.tso4j.timestamp.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of a tso4j cluster: hands out strictly increasing timestamps, following the leader and failing over
 * between endpoints.
 *
 * <p>Build one with {@link #newBuilder()}, share it, close it when done:
 *
 * <pre>{@code
 * try (TsoClient tso = TsoClient.newBuilder().endpoints("10.0.0.1:7001", "10.0.0.2:7001")
 *     .tls(Path.of("ca.pem")).build()) {
 *   Timestamp ts = tso.getTimestamp();
 * }
 * }</pre>
 *
 * <p><b>Batching.</b> Calls from all threads are merged: the client keeps one StreamTimestamps stream to the leader,
 * and callers that arrive while a request is on the wire join the next request, which asks for the sum of their
 * counts (at most 262,144 per request; callers that do not fit wait for the next one). The answer's range is split
 * among exactly those callers, in order; no timestamp is ever kept for a later call. The stream carries up to
 * {@link Builder#maxRequestsInFlight(int)} requests (default 2) and uses more than one only when the round trip, not
 * the client's own work, is the bound: while a large response is being handed out, the callers that already got
 * theirs go out again if the rest of the hand-out takes longer than a round trip. One call asks for at most 262,144
 * timestamps ({@link #MAX_COUNT}); larger counts are rejected with {@link IllegalArgumentException}, because a range
 * must stay inside one physical millisecond.
 *
 * <p><b>Failover.</b> Every call has one deadline ({@link Builder#callTimeout(Duration)}, default 5 s) that covers
 * all its retries. The client remembers the leader (only moving forward by term; a hint older than what it knows is
 * ignored). A round tries the leader, then the known members (the cluster reports them), then the seeds (the
 * configured endpoints). A node that is not the leader answers with a hint and the client goes to the hinted leader
 * at once; a node that just refused is tried again in the same round only if its hint names itself (a leader about
 * to serve). Instead of dialling endpoints that just failed to connect, the client polls a live member for the
 * leader; a leader that goes silent is left as soon as another member names a newer one. When every endpoint failed,
 * the client re-bootstraps from the seeds (new channels, so names are resolved again) after a jittered exponential
 * backoff.
 *
 * <p><b>Security.</b> Channels are plaintext unless {@link Builder#tls(Path)}, {@link Builder#tls(Path, Path, Path)}
 * or {@link Builder#channelCredentials(ChannelCredentials)} says otherwise. Plaintext is the default only because the
 * dev cluster ({@code tso4j local-cluster}) listens on loopback; use TLS for anything else.
 *
 * <p><b>Order guard.</b> Every response is checked before it is returned: a well-formed range, no timestamp at or
 * below one this client returned before the call was made, a term that never goes back. A response that breaks a
 * rule fails its calls with {@link TsoOrderViolationException} and is counted ({@link #orderViolations()}).
 *
 * <p>Errors are unchecked {@link TsoException}s; asynchronous calls complete exceptionally with them. Async results
 * complete on the client's transport threads: do not block in their continuations. Metrics: bind a
 * {@link TsoClientMetrics} (Micrometer is an optional dependency; the client runs without it). Immutable and
 * thread-safe; calls from many threads are fine.
 */
public final class TsoClient implements AutoCloseable {
  /** The default deadline of one call. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
  /** The default most one attempt against one node may take. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
  /** The default number of leader hints one round over the endpoints follows at most. */
  public static final int DEFAULT_MAX_REDIRECTS = 4;
  /** The default first backoff ceiling between rounds over the endpoints. */
  public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(20);
  /** The default largest backoff ceiling between rounds. */
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMillis(500);
  /** The default most requests the stream carries at once (used adaptively: see the class comment). */
  public static final int DEFAULT_MAX_REQUESTS_IN_FLIGHT = 2;
  /** The default period at which TLS files are checked for changes and re-read. */
  public static final Duration DEFAULT_TLS_REFRESH_PERIOD = Duration.ofSeconds(60);
  /** The most timestamps one call may ask for, 262,144. */
  public static final int MAX_COUNT = WireKeys.MAX_COUNT;

  private static final long BLOCKING_SLACK_MILLIS = 1_000;

  private final ClientRuntime runtime;

  private TsoClient(ClientSettings settings) {
    this.runtime = new ClientRuntime(settings);
  }

  /** A new builder with the defaults and no endpoints. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * One timestamp, above every timestamp this client returned before the call; blocks up to the call timeout.
   *
   * @throws TsoException (a subclass says why) if no timestamp could be obtained
   */
  public Timestamp getTimestamp() {
    return getTimestamps(1).first();
  }

  /**
   * {@code n} consecutive timestamps in one physical millisecond; blocks up to the call timeout.
   *
   * @throws IllegalArgumentException if n is outside 1..262144
   * @throws TsoException (a subclass says why) if no range could be obtained
   */
  public TimestampRange getTimestamps(int n) {
    checkCount(n);
    return await(runtime.timestampsBlocking(n));
  }

  /**
   * Asks for one timestamp without blocking. The future completes with the timestamp, or exceptionally with a
   * {@link TsoException}; cancelling it cancels the call.
   */
  public CompletableFuture<Timestamp> getTimestampAsync() {
    CompletableFuture<TimestampRange> range = getTimestampsAsync(1);
    CompletableFuture<Timestamp> one = range.thenApply(TimestampRange::first);
    one.whenComplete((v, e) -> {
      if (one.isCancelled()) {
        range.cancel(true);
      }
    });
    return one;
  }

  /**
   * Asks for {@code n} consecutive timestamps without blocking. The future completes with the range, or
   * exceptionally with a {@link TsoException}; cancelling it cancels the call.
   *
   * @throws IllegalArgumentException (at once, not through the future) if n is outside 1..262144
   */
  public CompletableFuture<TimestampRange> getTimestampsAsync(int n) {
    checkCount(n);
    return runtime.timestamps(n);
  }

  private static void checkCount(int n) {
    if (n < WireKeys.MIN_COUNT || n > MAX_COUNT) {
      throw new IllegalArgumentException("n must be in " + WireKeys.MIN_COUNT + ".." + MAX_COUNT + ", was " + n);
    }
  }

  /**
   * The members of the cluster as the first reachable node reports them (the leader it names also updates this
   * client's leader cache); blocks up to the call timeout.
   *
   * @throws TsoException if no node answered
   */
  public List<Member> getMembers() {
    return await(getMembersAsync());
  }

  /** Asks for the members of the cluster without blocking; see {@link #getMembers()}. */
  public CompletableFuture<List<Member>> getMembersAsync() {
    return runtime.members();
  }

  /** How many responses the order guard rejected since the client was built (0 on a healthy cluster). */
  public long orderViolations() {
    return runtime.orderViolations();
  }

  /** The machinery (for {@link TsoClientMetrics}). */
  ClientRuntime runtime() {
    return runtime;
  }

  /** The configured endpoints (the seed list), in the order they are tried. */
  public List<String> endpoints() {
    return runtime.settings().endpoints();
  }

  /** The deadline of one call. */
  public Duration callTimeout() {
    return runtime.settings().callTimeout();
  }

  /**
   * Fails the calls in flight with {@link TsoUnavailableException}, then closes the channels (waiting up to about
   * two seconds). Later calls fail the same way. Idempotent.
   */
  @Override
  public void close() {
    runtime.close();
  }

  private <T> T await(CompletableFuture<T> future) {
    long waitMillis = runtime.settings().callTimeout().toMillis() + BLOCKING_SLACK_MILLIS;
    try {
      return future.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new TsoException("call failed: " + cause, cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new TsoException("interrupted while waiting for the tso4j server", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new TsoDeadlineExceededException("no answer within " + runtime.settings().callTimeout(), e);
    } catch (CancellationException e) {
      throw new TsoException("call was cancelled", e);
    }
  }

  /**
   * Configures and builds a {@link TsoClient}. Every setter checks its argument at once; {@link #build()} checks the
   * whole configuration. Not thread-safe: use one builder from one thread.
   */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private int maxRedirects = DEFAULT_MAX_REDIRECTS;
    private Duration backoffBase = DEFAULT_BACKOFF_BASE;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private int maxRequestsInFlight = DEFAULT_MAX_REQUESTS_IN_FLIGHT;
    private Path caFile;
    private Path certFile;
    private Path keyFile;
    private Duration tlsRefreshPeriod = DEFAULT_TLS_REFRESH_PERIOD;
    private ChannelCredentials credentials;
    private Ticker ticker = Ticker.SYSTEM;
    private TaskScheduler scheduler;

    private Builder() {
    }

    /** Sets the endpoints ({@code host:port}, {@code [v6]:port}), replacing earlier ones; tried in this order. */
    public Builder endpoints(String... endpoints) {
      Objects.requireNonNull(endpoints, "endpoints");
      return endpoints(Arrays.asList(endpoints));
    }

    /** Sets the endpoints ({@code host:port}, {@code [v6]:port}), replacing earlier ones; tried in this order. */
    public Builder endpoints(Collection<String> endpoints) {
      Objects.requireNonNull(endpoints, "endpoints");
      this.endpoints.clear();
      this.endpoints.addAll(endpoints);
      return this;
    }

    /** Sets the deadline of one call, covering every retry (default 5 s); must be positive. */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
      return this;
    }

    /**
     * Sets the most one attempt against one node may take before the call moves on (default 1 s, never more than
     * what is left of the call); must be positive.
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    /** Sets how many leader hints one round over the endpoints follows at most (default 4); must be >= 0. */
    public Builder maxRedirects(int maxRedirects) {
      this.maxRedirects = maxRedirects;
      return this;
    }

    /**
     * Sets the backoff between rounds over the endpoints: the delay before round n is random in [0, min(max, base *
     * 2^(n-1))] (defaults 20 ms and 500 ms); polls of a live member for the leader wait base/2..base; both positive,
     * max >= base.
     */
    public Builder retryBackoff(Duration base, Duration max) {
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    /**
     * Sets the most requests the stream may carry at once, 1..4 (default 2). The client uses more than one only
     * while handing out a response takes longer than a round trip (see the class comment); 1 turns that off.
     */
    public Builder maxRequestsInFlight(int maxRequestsInFlight) {
      this.maxRequestsInFlight = maxRequestsInFlight;
      return this;
    }

    /**
     * Uses TLS, authenticating the servers against the CA certificates in {@code caFile} (PEM). Each server's
     * certificate must name the endpoint the client dials (an IP SAN for an IP endpoint). The file is re-read when
     * it changes ({@link #tlsRefreshPeriod(Duration)}). Replaces earlier security settings.
     */
    public Builder tls(Path caFile) {
      this.caFile = Objects.requireNonNull(caFile, "caFile");
      this.certFile = null;
      this.keyFile = null;
      this.credentials = null;
      return this;
    }

    /**
     * Uses mutual TLS: servers are authenticated against {@code caFile} (PEM), and the client presents the
     * certificate chain in {@code certFile} (PEM) with the PKCS#8 private key in {@code keyFile} (PEM). All three
     * files are re-read when they change ({@link #tlsRefreshPeriod(Duration)}). Replaces earlier security settings.
     */
    public Builder tls(Path caFile, Path certFile, Path keyFile) {
      this.caFile = Objects.requireNonNull(caFile, "caFile");
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      this.credentials = null;
      return this;
    }

    /** Sets how often the TLS files are checked and re-read if they changed (default 60 s); must be positive. */
    public Builder tlsRefreshPeriod(Duration period) {
      this.tlsRefreshPeriod = period;
      return this;
    }

    /**
     * Uses {@code credentials} for every channel (any gRPC {@link ChannelCredentials}, e.g. TLS built by the
     * application). Replaces earlier security settings.
     */
    public Builder channelCredentials(ChannelCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      this.caFile = null;
      this.certFile = null;
      this.keyFile = null;
      return this;
    }

    /** Drives the client's time from {@code ticker} and its timers from {@code scheduler} (tests only). */
    Builder clock(Ticker ticker, TaskScheduler scheduler) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Builds the client; opens no connection yet.
     *
     * @throws IllegalArgumentException naming the bad value if the configuration is invalid (no endpoint, an
     *     endpoint that is not host:port, a repeated endpoint, a non-positive timeout, a TLS file that cannot be
     *     read, ...)
     */
    public TsoClient build() {
      for (String e : endpoints) {
        if (e == null) {
          throw new IllegalArgumentException("endpoints must not contain null: " + endpoints);
        }
      }
      ChannelSecurity security = credentials != null ? ChannelSecurity.custom(credentials)
          : caFile != null ? ChannelSecurity.tls(caFile, certFile, keyFile, tlsRefreshPeriod)
          : ChannelSecurity.plaintext();
      return new TsoClient(new ClientSettings(endpoints, callTimeout, attemptTimeout, maxRedirects, backoffBase,
          backoffMax, maxRequestsInFlight, security, ticker, scheduler));
    }
  }
}
