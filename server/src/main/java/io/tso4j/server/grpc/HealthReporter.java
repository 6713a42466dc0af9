package io.tso4j.server.grpc;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tso4j.core.ServingState;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.function.Consumer;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}, Check and Watch) of a node's client port, driven by
 * the node's serving state: add it as a listener of the oracle.
 *
 * <ul>
 *   <li>service {@value #NODE} (the whole server) is SERVING while the node is a healthy member that knows a leader:
 *       it serves, fences, or follows a known leader; NOT_SERVING while it knows no leader, is FROZEN (a leader cut
 *       off from the majority), POISONED or STOPPED. A liveness probe or an "is this member fine" check.</li>
 *   <li>service {@value #ORACLE} is SERVING only while this node hands out timestamps (state SERVING): a readiness
 *       probe or a load balancer finds the leader with it.</li>
 * </ul>
 *
 * <p>{@link #close()} moves both to NOT_SERVING for good (shutdown). Thread-safe.
 */
public final class HealthReporter implements Consumer<ServingState>, AutoCloseable {
  /** The health service name of the whole node. */
  public static final String NODE = "";
  /** The health service name that is SERVING only on the node that hands out timestamps. */
  public static final String ORACLE = TimestampOracleGrpc.SERVICE_NAME;

  private final HealthStatusManager health = new HealthStatusManager();

  /** A reporter with both names NOT_SERVING until the first state arrives. */
  public HealthReporter() {
    health.setStatus(NODE, ServingStatus.NOT_SERVING);
    health.setStatus(ORACLE, ServingStatus.NOT_SERVING);
  }

  /** The gRPC service to add to the client port. */
  public BindableService service() {
    return health.getHealthService();
  }

  @Override
  public void accept(ServingState state) {
    health.setStatus(NODE, healthyMember(state) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    health.setStatus(ORACLE, state.serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** Whether {@code state} is that of a healthy member that knows a leader. */
  static boolean healthyMember(ServingState state) {
    return switch (state.status()) {
      case SERVING, FENCING -> true;
      case NOT_SERVING -> state.leaderId().isPresent();
      case FROZEN, POISONED, STOPPED -> false;
    };
  }

  /** Both names NOT_SERVING from now on; later states are ignored. */
  @Override
  public void close() {
    health.enterTerminalState();
  }
}
