package io.tso4j.client.internal;

import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * The client's metrics: fans every report out to the sinks bound to it (none by default: then each report is one
 * read of an empty array). Also holds the live figures a sink may read at any time (requests in flight) and tells
 * every sink when the client closes. Thread-safe (copy-on-write array of sinks).
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClientMetrics} can bind to it.
 */
public final class MetricsHub implements ClientMetrics {
  private static final ClientMetrics[] EMPTY = new ClientMetrics[0];

  private volatile ClientMetrics[] sinks = EMPTY;
  private volatile IntSupplier requestsInFlight = () -> 0;
  private final String instance;
  private boolean closed;

  MetricsHub(String instance) {
    this.instance = instance;
  }

  /** The id of this client instance, unique in the JVM ({@code 1}, {@code 2}, ...): the {@code client} tag. */
  public String instance() {
    return instance;
  }

  /** How many requests are on the wire now. */
  public int requestsInFlight() {
    return requestsInFlight.getAsInt();
  }

  /** Whether any sink is bound (callers skip work that only metrics need). */
  boolean enabled() {
    return sinks.length > 0;
  }

  void requestsInFlight(IntSupplier supplier) {
    this.requestsInFlight = supplier;
  }

  /**
   * Binds {@code sink}; it hears every later report and {@link #clientClosed()}.
   *
   * @return false (and nothing bound) if the client is already closed
   */
  public synchronized boolean add(ClientMetrics sink) {
    if (closed) {
      return false;
    }
    ClientMetrics[] next = Arrays.copyOf(sinks, sinks.length + 1);
    next[next.length - 1] = sink;
    sinks = next;
    return true;
  }

  /** Unbinds {@code sink} (no-op if it is not bound). */
  public synchronized void remove(ClientMetrics sink) {
    ClientMetrics[] cur = sinks;
    for (int i = 0; i < cur.length; i++) {
      if (cur[i] == sink) {
        ClientMetrics[] next = new ClientMetrics[cur.length - 1];
        System.arraycopy(cur, 0, next, 0, i);
        System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
        sinks = next;
        return;
      }
    }
  }

  @Override
  public void callCompleted(CallOutcome outcome, long nanos) {
    for (ClientMetrics s : sinks) {
      s.callCompleted(outcome, nanos);
    }
  }

  @Override
  public void batchSent(int callers, int count) {
    for (ClientMetrics s : sinks) {
      s.batchSent(callers, count);
    }
  }

  @Override
  public void retried(RetryReason reason) {
    for (ClientMetrics s : sinks) {
      s.retried(reason);
    }
  }

  @Override
  public void leaderChanged() {
    for (ClientMetrics s : sinks) {
      s.leaderChanged();
    }
  }

  @Override
  public void orderViolation() {
    for (ClientMetrics s : sinks) {
      s.orderViolation();
    }
  }

  /** The client closed: every sink hears it once and is unbound. */
  @Override
  public void clientClosed() {
    ClientMetrics[] all;
    synchronized (this) {
      closed = true;
      all = sinks;
      sinks = EMPTY;
    }
    for (ClientMetrics s : all) {
      s.clientClosed();
    }
  }
}
