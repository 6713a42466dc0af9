package io.tso4j.ratis;

import java.util.EnumSet;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;

/**
 * Makes a node's Raft port serve the Raft peer protocol only (and, when built with them, tso4j's {@link
 * PeerServices}: the clock peers read to compare clock rates, docs/correctness.md C6, and the last log entry a
 * follower that lost its leader reads, D1). Ratis registers its client service (writes, reads,
 * watches) and its admin service (membership changes, leadership transfer, group info, snapshots) on the Raft port
 * unless they get ports of their own; a tso4j node needs neither over the network, because its driver submits
 * through the local server in-process. Every call on the Raft port to a service other than {@value #RAFT_SERVICE}
 * is closed at once with {@code PERMISSION_DENIED}, before Ratis sees it, so a stock Ratis client that knows the
 * group id and the peers can neither read the group nor write to the register through the Raft port.
 *
 * <p>Installed with {@code GrpcConfigKeys.Server.setServicesCustomizer}; immutable and thread-safe.
 */
final class RaftOnlyPort implements GrpcServices.Customizer {
  /** The one service the Raft port answers: Ratis' server-to-server protocol. */
  static final String RAFT_SERVICE = RaftServerProtocolServiceGrpc.SERVICE_NAME;
  /** The description of the refusal a caller of another service gets. */
  static final String REFUSAL = "this is a tso4j Raft port: it serves only " + RAFT_SERVICE
      + " (Ratis client and admin services are off)";

  /** The Raft port without tso4j's peer services. */
  static final RaftOnlyPort INSTANCE = new RaftOnlyPort(null);

  private final PeerServices services;

  private RaftOnlyPort(PeerServices services) {
    this.services = services;
  }

  /** The Raft port with {@code services} beside the Raft peer service. */
  static RaftOnlyPort with(PeerServices services) {
    return new RaftOnlyPort(services);
  }

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    if (!types.contains(GrpcServices.Type.SERVER)) {
      return builder;
    }
    if (services != null) {
      services.definitions().forEach(builder::addService);
    }
    return builder.intercept(new OnlyRaft(services != null));
  }

  /** Refuses every call that is not to the Raft peer service (or to tso4j's peer services, if served). */
  private static final class OnlyRaft implements ServerInterceptor {
    private final boolean peerServices;

    OnlyRaft(boolean peerServices) {
      this.peerServices = peerServices;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      String service = call.getMethodDescriptor().getServiceName();
      if (RAFT_SERVICE.equals(service) || peerServices && PeerServices.names().contains(service)) {
        return next.startCall(call, headers);
      }
      call.close(Status.PERMISSION_DENIED.withDescription(REFUSAL), new Metadata());
      return new ServerCall.Listener<>() { };
    }
  }
}
