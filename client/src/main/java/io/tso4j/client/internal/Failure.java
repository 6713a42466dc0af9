package io.tso4j.client.internal;

import io.tso4j.client.TsoException;
import io.tso4j.proto.v1.LeaderHint;
import java.util.Optional;

/**
 * One failed attempt, classified by what the call should do next. Immutable.
 *
 * @param kind what to do next
 * @param error the error to report if the call ends here
 * @param hint the leader hint the server sent, if any
 */
record Failure(Kind kind, TsoException error, Optional<LeaderHint> hint) {
  /** What a call does after a failed attempt. */
  enum Kind {
    /** The node did not serve (not leader, not serving, unreachable): follow the hint or try the next endpoint. */
    RETRY,
    /** The attempt ran out of time: try the next endpoint if the call has time left. */
    ATTEMPT_TIMEOUT,
    /** The node will never serve (poisoned): skip it for the rest of the call. */
    SKIP_NODE,
    /** Retrying cannot help (invalid argument, unexpected server error): fail the call. */
    FATAL
  }
}
