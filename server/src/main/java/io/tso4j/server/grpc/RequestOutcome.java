package io.tso4j.server.grpc;

import io.tso4j.core.RefusedException;
import java.util.Locale;

/** How one timestamp request on the gRPC service ended, as counted by a {@link RequestRecorder}. */
public enum RequestOutcome {
  /** Served: the response carries the timestamps. */
  OK,
  /** The count was outside 1..262144 (INVALID_ARGUMENT). */
  INVALID_ARGUMENT,
  /** This node does not serve (follower, fencing, stepped down): UNAVAILABLE with a leader hint. */
  NOT_SERVING,
  /** This node's lease lapsed (FROZEN): UNAVAILABLE. */
  LEASE_EXPIRED,
  /** The persisted window is used up while an extension commits: UNAVAILABLE. */
  WINDOW_EXHAUSTED,
  /** The oracle is poisoned (FAILED_PRECONDITION). */
  POISONED,
  /** An unexpected error (INTERNAL). */
  INTERNAL;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The outcome's name as a metric tag value ({@code ok}, {@code lease_expired}, ...). */
  public String tag() {
    return tag;
  }

  /** The outcome of a request the oracle refused with {@code reason}. */
  public static RequestOutcome of(RefusedException.Reason reason) {
    return switch (reason) {
      case INVALID_COUNT -> INVALID_ARGUMENT;
      case NOT_SERVING -> NOT_SERVING;
      case LEASE_EXPIRED -> LEASE_EXPIRED;
      case WINDOW_EXHAUSTED -> WINDOW_EXHAUSTED;
      case POISONED -> POISONED;
    };
  }
}
