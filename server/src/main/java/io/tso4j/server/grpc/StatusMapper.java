package io.tso4j.server.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.core.RefusedException;
import io.tso4j.core.ServingState;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one class on the server that produces gRPC {@link Status}es, so that the wire table lives in one place.
 *
 * <table>
 *   <caption>Refusals and errors on the wire</caption>
 *   <tr><th>cause</th><th>status</th><th>trailers</th></tr>
 *   <tr><td>NOT_SERVING, LEASE_EXPIRED, WINDOW_EXHAUSTED</td><td>UNAVAILABLE (retryable)</td>
 *       <td>{@link LeaderHint} under {@value WireKeys#LEADER_HINT_NAME} when a leader is known; naming this node
 *       only when it serves soon (see {@link #refusalHint})</td></tr>
 *   <tr><td>INVALID_COUNT (or a count outside 1..262144)</td><td>INVALID_ARGUMENT</td><td>none</td></tr>
 *   <tr><td>POISONED</td><td>FAILED_PRECONDITION (not retryable on this node)</td>
 *       <td>leader hint when known</td></tr>
 *   <tr><td>any unexpected exception</td><td>INTERNAL, naming only the exception type</td><td>none</td></tr>
 * </table>
 *
 * <p>Descriptions name this node. Stack traces never go on the wire; an unexpected exception is logged here once,
 * at WARN. Immutable and thread-safe.
 */
public final class StatusMapper {
  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  /** The largest {@code serving_in_ms} a hint carries (longer estimates are capped: they are estimates). */
  static final long MAX_SERVING_IN_MS = 10_000;

  private final MemberSource members;

  /** A mapper that resolves leader ids to endpoints through {@code members} (read on every use). */
  public StatusMapper(MemberSource members) {
    this.members = Objects.requireNonNull(members, "members");
  }

  /**
   * The status for a refused allocation, given the serving state at the time of the refusal (for the leader hint).
   */
  public StatusRuntimeException refused(RefusedException e, ServingState state) {
    return refused(e, state, Optional.empty());
  }

  /**
   * The status for a refused allocation, given the serving state at the time of the refusal and, while this node
   * fences, how soon it expects to serve ({@link io.tso4j.core.TimestampOracle#expectedToServeIn()}).
   *
   * <p>The leader hint names this node itself only when it will serve soon: while it fences (with
   * {@code serving_in_ms}, and only if that is within the call's deadline when the call has one) or while it serves
   * and merely extends its window. A node that leads but is stopping, frozen or not serving gives no hint, so a
   * client tries the other nodes instead of this one again.
   */
  public StatusRuntimeException refused(RefusedException e, ServingState state, Optional<Duration> servingIn) {
    String node = members.current().localId();
    switch (e.reason()) {
      case INVALID_COUNT:
        return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      case NOT_SERVING:
      case LEASE_EXPIRED:
      case WINDOW_EXHAUSTED:
        return withHint(Status.UNAVAILABLE.withDescription(node + " cannot serve now (" + e.reason() + ": "
            + e.getMessage() + ")" + leaderText(state)), refusalHint(state, servingIn));
      case POISONED:
        return withHint(Status.FAILED_PRECONDITION.withDescription(node
            + " is poisoned after a fatal error and will not serve again; use another node"),
            refusalHint(state, Optional.empty()));
      default:
        return unexpected(new IllegalStateException("unknown refusal reason " + e.reason()));
    }
  }

  /** INVALID_ARGUMENT for a requested count outside 1..262144 (the count as sent, an unsigned 32-bit value). */
  public StatusRuntimeException invalidCount(long count) {
    return Status.INVALID_ARGUMENT
        .withDescription("count must be in " + WireKeys.MIN_COUNT + ".." + WireKeys.MAX_COUNT + ", was " + count)
        .asRuntimeException();
  }

  /** UNAVAILABLE with a description and, if a leader is known in {@code state}, the leader hint. */
  public StatusRuntimeException unavailable(String description, ServingState state) {
    return withHint(Status.UNAVAILABLE.withDescription(description + leaderText(state)),
        refusalHint(state, Optional.empty()));
  }

  /** INTERNAL for an exception nobody expected; the description names only its type, the log gets the rest. */
  public StatusRuntimeException unexpected(Throwable t) {
    String node = members.current().localId();
    LOG.warn("[{}] unexpected error while serving a request", node, t);
    return Status.INTERNAL
        .withDescription("internal error on " + node + " (" + t.getClass().getSimpleName() + ")")
        .asRuntimeException();
  }

  /**
   * UNAVAILABLE for a request only the leader may answer (an admin write on a follower): the description, and the
   * leader hint of {@code leaderId} in {@code term} when another node is known to lead, exactly as for a refused
   * allocation.
   */
  public StatusRuntimeException redirect(String description, Optional<String> leaderId, long term) {
    return unavailable(description, new ServingState(ServingState.Status.NOT_SERVING, term, leaderId));
  }

  /** The leader hint for {@code state}: present when the state names a leader (which may be this node). */
  public Optional<LeaderHint> leaderHint(ServingState state) {
    return state.leaderId().map(id -> LeaderHint.newBuilder()
        .setId(id)
        .setEndpoint(members.current().endpointOf(id).orElse(""))
        .setTerm(Math.max(0, state.term()))
        .build());
  }

  /** The hint of a refusal: {@link #leaderHint}, except that this node names itself only when it serves soon. */
  Optional<LeaderHint> refusalHint(ServingState state, Optional<Duration> servingIn) {
    Optional<LeaderHint> hint = leaderHint(state);
    if (hint.isEmpty() || !hint.get().getId().equals(members.current().localId())) {
      return hint;
    }
    switch (state.status()) {
      case SERVING:
        return hint;
      case FENCING:
        long inNanos = servingIn.map(Duration::toNanos).orElse(0L);
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.timeRemaining(TimeUnit.NANOSECONDS) <= inNanos) {
          return Optional.empty();
        }
        long ms = Math.min(MAX_SERVING_IN_MS, TimeUnit.NANOSECONDS.toMillis(inNanos + 999_999));
        return Optional.of(hint.get().toBuilder().setServingInMs((int) ms).build());
      default:
        return Optional.empty();
    }
  }

  private StatusRuntimeException withHint(Status status, Optional<LeaderHint> hint) {
    if (hint.isEmpty()) {
      return status.asRuntimeException();
    }
    Metadata trailers = new Metadata();
    trailers.put(WireKeys.LEADER_HINT, hint.get());
    return status.asRuntimeException(trailers);
  }

  private String leaderText(ServingState state) {
    if (state.leaderId().filter(members.current().localId()::equals).isPresent()) {
      return "; this node leads term " + state.term() + " (" + state.status() + ")";
    }
    return state.leaderId()
        .map(id -> "; leader is " + id + members.current().endpointOf(id).map(e -> " at " + e).orElse("")
            + " in term " + state.term())
        .orElse("; leader unknown");
  }
}
