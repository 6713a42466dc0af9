package io.tso4j.client;

/**
 * The call's deadline passed while a node was still working on it (the last attempt timed out rather than being
 * refused).
 *
 * <p>Whether the server handed out timestamps for that attempt is unknown; they are never returned to the caller.
 * Retrying may succeed. Safe to share across threads.
 */
public class TsoDeadlineExceededException extends TsoException {
  private static final long serialVersionUID = 1L;

  /** A deadline error with a message. */
  public TsoDeadlineExceededException(String message) {
    super(message);
  }

  /** A deadline error with a message and the cause. */
  public TsoDeadlineExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
