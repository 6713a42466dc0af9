package io.tso4j.client;

/**
 * The base of every error the tso4j client reports: unchecked, so that callers decide where to handle it.
 *
 * <p>Subclasses say what went wrong: {@link TsoUnavailableException} (no node served in time),
 * {@link TsoDeadlineExceededException} (the call ran out of time waiting for a node), {@link
 * TsoInvalidArgumentException} (the server rejected the request) and {@link TsoOrderViolationException} (a response
 * broke the ordering contract). A plain {@code TsoException} is an error of none of these kinds (an unexpected server
 * status, a closed client, an interrupted wait). Instances are immutable once thrown and safe to share across
 * threads.
 */
public class TsoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An error with a message. */
  public TsoException(String message) {
    super(message);
  }

  /** An error with a message and the cause. */
  public TsoException(String message, Throwable cause) {
    super(message, cause);
  }
}
