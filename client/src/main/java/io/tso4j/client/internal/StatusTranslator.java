package io.tso4j.client.internal;

import io.tso4j.proto.WireKeys;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoInvalidArgumentException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.LeaderHint;
import java.util.Optional;

/**
 * The one place where the client reads a gRPC {@link Status}: turns a failed attempt into a {@link Failure} (what
 * to do next, the leader hint from the trailers, and the {@link TsoException} to report).
 *
 * <p>Table: UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, CANCELLED (and any non-gRPC error) → retry elsewhere, with the
 * hint if sent; DEADLINE_EXCEEDED → attempt timeout; FAILED_PRECONDITION (a poisoned node) → skip that node;
 * INVALID_ARGUMENT, OUT_OF_RANGE → fail with {@link TsoInvalidArgumentException}; anything else (INTERNAL, UNKNOWN,
 * UNIMPLEMENTED, ...) → fail with {@link TsoException}. Stateless and thread-safe.
 */
final class StatusTranslator {
  private StatusTranslator() {
  }

  /** Classifies the error {@code t} of an attempt against {@code endpoint}. */
  static Failure classify(Throwable t, String endpoint) {
    if (!carriesStatus(t)) {
      // A local failure with no gRPC status at all: treat it like an unreachable node.
      return new Failure(Failure.Kind.RETRY, new TsoUnavailableException(endpoint + " failed: " + t, t),
          Optional.empty());
    }
    Status status = Status.fromThrowable(t);
    Metadata trailers = Status.trailersFromThrowable(t);
    String what = endpoint + " answered " + status.getCode() + describe(status);
    switch (status.getCode()) {
      case UNAVAILABLE:
      case RESOURCE_EXHAUSTED:
      case ABORTED:
      case CANCELLED:
        return new Failure(Failure.Kind.RETRY, new TsoUnavailableException(what, t), hintOf(trailers));
      case DEADLINE_EXCEEDED:
        return new Failure(Failure.Kind.ATTEMPT_TIMEOUT, new TsoDeadlineExceededException(what, t),
            Optional.empty());
      case FAILED_PRECONDITION:
        return new Failure(Failure.Kind.SKIP_NODE, new TsoUnavailableException(what, t), hintOf(trailers));
      case INVALID_ARGUMENT:
      case OUT_OF_RANGE:
        return new Failure(Failure.Kind.FATAL, new TsoInvalidArgumentException(what, t), Optional.empty());
      default:
        return new Failure(Failure.Kind.FATAL, new TsoException(what, t), Optional.empty());
    }
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
