package io.tso4j.client;

/**
 * A response broke the ordering contract and was discarded: a wrong count, a malformed range, a first timestamp not
 * above one this client already returned, or a term that went back.
 *
 * <p>This points at a bug or a split brain on the server side; the offending value is never returned to the caller.
 * Safe to share across threads.
 */
public class TsoOrderViolationException extends TsoException {
  private static final long serialVersionUID = 1L;

  /** An order violation described by {@code message}. */
  public TsoOrderViolationException(String message) {
    super(message);
  }
}
