package io.tso4j.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.concurrent.Executor;

/**
 * Runs the calls of the TimestampOracle service on the transport (Netty event loop) thread instead of handing every
 * message to the server's thread pool; other services keep the default executor. Safe because those handlers never
 * block: an allocation is one CAS on the allocator, GetMembers reads published state. On a 2-core machine the
 * hand-off per message cost more than the work (see docs/benchmarks.md). Stateless and thread-safe.
 */
final class InlineTimestampCalls implements ServerCallExecutorSupplier {
  private static final Executor INLINE = Runnable::run;

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
    return TimestampOracleGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName()) ? INLINE : null;
  }
}
