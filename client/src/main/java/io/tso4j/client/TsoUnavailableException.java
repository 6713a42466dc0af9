package io.tso4j.client;

/**
 * No tso4j node served the call: every endpoint was unreachable, not the leader, or not serving right now, and the
 * call's deadline ran out while retrying (or the client was closed).
 *
 * <p>Retrying later may succeed. Safe to share across threads.
 */
public class TsoUnavailableException extends TsoException {
  private static final long serialVersionUID = 1L;

  /** An unavailability error with a message. */
  public TsoUnavailableException(String message) {
    super(message);
  }

  /** An unavailability error with a message and the cause. */
  public TsoUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
