package io.tso4j.client.internal;

import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoInvalidArgumentException;
import io.tso4j.client.TsoOrderViolationException;
import io.tso4j.client.TsoUnavailableException;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * How one call to the client ended, the {@code outcome} tag of the client's call meters. Immutable.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClientMetrics} can name the tags.
 */
public enum CallOutcome {
  /** The call got its timestamps. */
  OK,
  /** No node served within the deadline, or the client is closed ({@link TsoUnavailableException}). */
  UNAVAILABLE,
  /** The deadline passed while a node was working on the call ({@link TsoDeadlineExceededException}). */
  DEADLINE,
  /** The server rejected the request ({@link TsoInvalidArgumentException}). */
  INVALID,
  /** The response broke the order guard ({@link TsoOrderViolationException}). */
  ORDER_VIOLATION,
  /** The caller cancelled the call's future. */
  CANCELLED,
  /** Any other error (an unexpected server status). */
  ERROR;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The tag value: the name in lower case ({@code ok}, {@code order_violation}, ...). */
  public String tag() {
    return tag;
  }

  /** The outcome of a call that failed with {@code error}. */
  public static CallOutcome of(Throwable error) {
    Throwable e = error;
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof TsoOrderViolationException) {
      return ORDER_VIOLATION;
    }
    if (e instanceof TsoInvalidArgumentException) {
      return INVALID;
    }
    if (e instanceof TsoDeadlineExceededException) {
      return DEADLINE;
    }
    if (e instanceof TsoUnavailableException) {
      return UNAVAILABLE;
    }
    if (e instanceof CancellationException) {
      return CANCELLED;
    }
    return ERROR;
  }
}
