package io.tso4j.client.internal;

/**
 * Where the client reports what it does: calls and their outcome and latency, requests and their batch sizes,
 * retries, leader changes and order-guard violations. Every method has an empty default, must be cheap and must not
 * block. {@link MetricsHub} fans the reports out to the sinks an application bound (for example
 * {@code io.tso4j.client.TsoClientMetrics}). Implementations are thread-safe.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client} can implement it.
 */
public interface ClientMetrics {
  /** The metrics that record nothing. */
  ClientMetrics NONE = new ClientMetrics() { };

  /** Why a request was retried or sent elsewhere. */
  enum RetryReason {
    /** A node answered UNAVAILABLE with a leader hint, and the client went to the hinted leader. */
    REDIRECT,
    /** A node was unreachable or refused without a usable hint. */
    UNAVAILABLE,
    /** An attempt ran out of time. */
    ATTEMPT_TIMEOUT,
    /** A node is out of service (poisoned, or its TLS handshake failed) and was skipped. */
    POISONED,
    /** Every known endpoint failed; the client went back to its seed list. */
    REBOOTSTRAP
  }

  /** One call for timestamps ended with {@code outcome}, {@code nanos} after it started. */
  default void callCompleted(CallOutcome outcome, long nanos) {
  }

  /** One request went on the wire asking for {@code count} timestamps for {@code callers} callers. */
  default void batchSent(int callers, int count) {
  }

  /** Requests were retried or redirected for {@code reason}. */
  default void retried(RetryReason reason) {
  }

  /** The leader the client talks to changed. */
  default void leaderChanged() {
  }

  /** A response failed the order guard. */
  default void orderViolation() {
  }

  /** The client closed: a sink removes what it registered. */
  default void clientClosed() {
  }
}
