package io.tso4j.client.internal;

import io.tso4j.client.TsoException;
import io.tso4j.proto.v1.LeaderHint;
import java.util.Optional;

/**
 * One failed attempt, classified by what the caller should do next. Immutable.
 *
 * @param kind what to do next
 * @param error the error to report if the call ends here
 * @param hint the leader hint the server sent, if any
 * @param answered whether the node itself answered (a status from the server: the node is alive), as opposed to a
 *     transport failure (refused connection, reset, timeout) that says nothing about the node but that it is not
 *     reachable now
 */
record Failure(Kind kind, TsoException error, Optional<LeaderHint> hint, boolean answered) {
  /** What a call does after a failed attempt. */
  enum Kind {
    /** The node did not serve (not leader, not serving, unreachable): follow the hint or try the next endpoint. */
    RETRY,
    /** The attempt ran out of time: try the next endpoint if the call has time left. */
    ATTEMPT_TIMEOUT,
    /** The node cannot be used (poisoned, or a TLS handshake that failed): skip it for the rest of the episode. */
    SKIP_NODE,
    /** Retrying cannot help (invalid argument, unexpected server error): fail the call. */
    FATAL
  }

  /** A transport failure or local error: retry elsewhere; the node did not answer. */
  static Failure unreachable(TsoException error) {
    return new Failure(Kind.RETRY, error, Optional.empty(), false);
  }

  /** An attempt that ran out of time. */
  static Failure timedOut(TsoException error) {
    return new Failure(Kind.ATTEMPT_TIMEOUT, error, Optional.empty(), false);
  }
}
