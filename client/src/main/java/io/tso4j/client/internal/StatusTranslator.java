package io.tso4j.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoInvalidArgumentException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.LeaderHint;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The one place where the client reads a gRPC {@link Status}: turns a failed attempt into a {@link Failure} (what
 * to do next, the leader hint from the trailers, whether the node answered, and the {@link TsoException} to report).
 *
 * <p>Table: a TLS handshake failure (an {@link SSLException} or certificate error in the cause chain) → skip that
 * node, {@link TsoUnavailableException} saying "TLS handshake with ENDPOINT failed"; UNAVAILABLE, RESOURCE_EXHAUSTED,
 * ABORTED, CANCELLED (and any non-gRPC error) → retry elsewhere, with the hint if sent; DEADLINE_EXCEEDED → attempt
 * timeout; FAILED_PRECONDITION (a poisoned node) → skip that node; INVALID_ARGUMENT, OUT_OF_RANGE → fail with
 * {@link TsoInvalidArgumentException}; anything else (INTERNAL, UNKNOWN, UNIMPLEMENTED, ...) → fail with
 * {@link TsoException}. A status that carries a local cause (an I/O error of the transport) did not come from the
 * node; one without a cause did. On a plaintext channel, a connection the peer closed without an HTTP/2 answer is
 * reported as a likely TLS server. Stateless and thread-safe.
 */
final class StatusTranslator {
  /** What gRPC says when the peer closed the connection without an HTTP/2 answer (e.g. a TLS server). */
  private static final String CLOSED_WITHOUT_ANSWER = "Network closed for unknown reason";

  private StatusTranslator() {
  }

  /** Classifies the error {@code t} of an attempt against {@code endpoint} over a TLS or custom channel. */
  static Failure classify(Throwable t, String endpoint) {
    return classify(t, endpoint, false);
  }

  /**
   * Classifies the error {@code t} of an attempt against {@code endpoint}; {@code plaintext} says whether the
   * channel is plaintext (then a connection the peer closed without any HTTP/2 answer is reported as what it most
   * likely is: a TLS server).
   */
  static Failure classify(Throwable t, String endpoint, boolean plaintext) {
    Throwable tls = tlsCause(t);
    if (tls != null) {
      return new Failure(Failure.Kind.SKIP_NODE, new TsoUnavailableException("TLS handshake with " + endpoint
          + " failed: " + tls.getMessage() + " (check the client's tls(...) settings against the server's"
          + " certificate)", t), Optional.empty(), false);
    }
    if (!carriesStatus(t)) {
      // A local failure with no gRPC status at all: treat it like an unreachable node.
      return Failure.unreachable(new TsoUnavailableException(endpoint + " failed: " + t, t));
    }
    Status status = Status.fromThrowable(t);
    Metadata trailers = Status.trailersFromThrowable(t);
    String what = endpoint + " answered " + status.getCode() + describe(status);
    boolean answered = status.getCause() == null;
    if (plaintext && status.getCode() == Status.Code.UNAVAILABLE && answered && hintOf(trailers).isEmpty()
        && CLOSED_WITHOUT_ANSWER.equals(status.getDescription())) {
      return Failure.unreachable(new TsoUnavailableException(endpoint + " closed the connection without a gRPC"
          + " answer; if it uses TLS, this plaintext client needs tls(...) (" + status.getDescription() + ")", t));
    }
    if (plaintext && status.getCode() == Status.Code.UNAVAILABLE && !answered && hintOf(trailers).isEmpty()
        && droppedByPeer(status.getCause())) {
      // A TLS server answers a plaintext client's HTTP/2 preface by closing or resetting the connection; which of the
      // two the client sees depends on timing.
      what += "; the connection was dropped by the peer: if it uses TLS, this plaintext client needs tls(...)";
    }
    switch (status.getCode()) {
      case UNAVAILABLE:
      case RESOURCE_EXHAUSTED:
      case ABORTED:
      case CANCELLED:
        Optional<LeaderHint> hint = hintOf(trailers);
        return new Failure(Failure.Kind.RETRY, new TsoUnavailableException(what, t), hint,
            answered || hint.isPresent());
      case DEADLINE_EXCEEDED:
        return Failure.timedOut(new TsoDeadlineExceededException(what, t));
      case FAILED_PRECONDITION:
        return new Failure(Failure.Kind.SKIP_NODE, new TsoUnavailableException(what, t), hintOf(trailers), true);
      case INVALID_ARGUMENT:
      case OUT_OF_RANGE:
        return new Failure(Failure.Kind.FATAL, new TsoInvalidArgumentException(what, t), Optional.empty(), true);
      default:
        return new Failure(Failure.Kind.FATAL, new TsoException(what, t), Optional.empty(), true);
    }
  }

  /** Whether {@code cause} is an I/O error of a connection the peer dropped (not one that was never accepted). */
  private static boolean droppedByPeer(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        return false;
      }
    }
    return cause instanceof java.io.IOException;
  }

  private static Throwable tlsCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException || c instanceof GeneralSecurityException) {
        return c;
      }
    }
    return null;
  }

  private static boolean carriesStatus(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusException || c instanceof StatusRuntimeException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Status status) {
    return status.getDescription() == null ? "" : ": " + status.getDescription();
  }

  private static Optional<LeaderHint> hintOf(Metadata trailers) {
    if (trailers == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(trailers.get(WireKeys.LEADER_HINT));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
