package io.tso4j.core;

/**
 * Why the allocator or the oracle did not hand out timestamps. Thrown on the request path, so it carries no stack
 * trace.
 */
public final class RefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The reasons a request is refused. */
  public enum Reason {
    /** The count is outside 1..262144. Not retryable. */
    INVALID_COUNT(false),
    /** This node is not the serving leader (follower, fencing, stepped down). Retry elsewhere. */
    NOT_SERVING(true),
    /** This node was the serving leader but its lease lapsed (frozen); it may serve again after renewal. */
    LEASE_EXPIRED(true),
    /** The persisted window is used up (the clock ran past it); an extension is under way. */
    WINDOW_EXHAUSTED(true),
    /** The oracle hit a permanent error and will never serve again. */
    POISONED(false);

    private final boolean retryable;

    Reason(boolean retryable) {
      this.retryable = retryable;
    }

    /** Whether a client may retry (here or elsewhere). */
    public boolean retryable() {
      return retryable;
    }
  }

  private final Reason reason;

  /** A refusal with a reason and a message for the caller. */
  public RefusedException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** The reason for the refusal. */
  public Reason reason() {
    return reason;
  }
}
