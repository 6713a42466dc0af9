package io.tso4j.client.internal;

import java.util.function.IntSupplier;

/**
 * Where the client reports what it does: calls, batch sizes, RPCs in flight, retries, leader changes and order-guard
 * violations. The default records nothing; {@link MicrometerMetrics} records into a Micrometer registry. Every method
 * must be cheap and must not block. Implementations are thread-safe.
 */
interface ClientMetrics {
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
    /** A node is poisoned and was skipped. */
    POISONED,
    /** Every known endpoint failed; the client went back to its seed list. */
    REBOOTSTRAP
  }

  /** One call to the client (getTimestamp(s), sync or async) started. */
  default void callStarted() {
  }

  /** One request went on the wire asking for {@code count} timestamps for {@code callers} callers. */
  default void batchSent(int callers, int count) {
  }

  /** The client reports RPCs in flight through {@code inFlight} (called once, when the dispatcher is built). */
  default void inFlightGauge(IntSupplier inFlight) {
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
}
