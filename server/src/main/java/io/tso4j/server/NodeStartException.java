package io.tso4j.server;

/** A node could not start; the message is one line meant for an operator (busy port, bad data directory). */
public final class NodeStartException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A start failure with an operator-facing message. */
  public NodeStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
