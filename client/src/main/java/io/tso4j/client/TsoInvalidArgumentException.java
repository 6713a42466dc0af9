package io.tso4j.client;

/**
 * The server rejected the request as malformed (for example a count outside 1..262144). Retrying the same request
 * will fail the same way. Safe to share across threads.
 */
public class TsoInvalidArgumentException extends TsoException {
  private static final long serialVersionUID = 1L;

  /** An invalid-argument error with the server's description. */
  public TsoInvalidArgumentException(String message) {
    super(message);
  }

  /** An invalid-argument error with the server's description and the cause. */
  public TsoInvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }
}
