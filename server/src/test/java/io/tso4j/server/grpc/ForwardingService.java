package io.tso4j.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Forwards every call to a {@link TsoGrpcService} set after the server started, so tests can build directories
 * that name ports bound later (two nodes that point at each other).
 */
final class ForwardingService extends TimestampOracleGrpc.TimestampOracleImplBase {
  private final AtomicReference<TsoGrpcService> target = new AtomicReference<>();

  void forwardTo(TsoGrpcService service) {
    target.set(service);
  }

  @Override
  public void getTimestamp(GetTimestampRequest request, StreamObserver<GetTimestampResponse> responses) {
    target.get().getTimestamp(request, responses);
  }

  @Override
  public StreamObserver<GetTimestampRequest> streamTimestamps(StreamObserver<GetTimestampResponse> responses) {
    return target.get().streamTimestamps(responses);
  }

  @Override
  public void getMembers(GetMembersRequest request, StreamObserver<GetMembersResponse> responses) {
    target.get().getMembers(request, responses);
  }
}
