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
 * Makes a node's Raft port serve the Raft peer protocol only. Ratis registers its client service (writes, reads,
 * watches) and its admin service (membership changes, leadership transfer, group info, snapshots) on the Raft port
 * unless they get ports of their own; a tso4j node needs neither over the network, because its driver submits
 * through the local server in-process. Every call on the Raft port to a service other than {@value #RAFT_SERVICE}
 * is closed at once with {@code PERMISSION_DENIED}, before Ratis sees it, so a stock Ratis client that knows the
 * group id and the peers can neither read the group nor write to the register through the Raft port.
 *
 * <p>Installed with {@code GrpcConfigKeys.Server.setServicesCustomizer}; stateless and thread-safe.
 */
final class RaftOnlyPort implements GrpcServices.Customizer {
  /** The one service the Raft port answers: Ratis' server-to-server protocol. */
  static final String RAFT_SERVICE = RaftServerProtocolServiceGrpc.SERVICE_NAME;
  /** The description of the refusal a caller of another service gets. */
  static final String REFUSAL = "this is a tso4j Raft port: it serves only " + RAFT_SERVICE
      + " (Ratis client and admin services are off)";

  static final RaftOnlyPort INSTANCE = new RaftOnlyPort();

  private RaftOnlyPort() {
  }

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    return types.contains(GrpcServices.Type.SERVER) ? builder.intercept(new OnlyRaft()) : builder;
  }

  /** Refuses every call that is not to the Raft peer service. */
  private static final class OnlyRaft implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (RAFT_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
        return next.startCall(call, headers);
      }
      call.close(Status.PERMISSION_DENIED.withDescription(REFUSAL), new Metadata());
      return new ServerCall.Listener<>() { };
    }
  }
}
