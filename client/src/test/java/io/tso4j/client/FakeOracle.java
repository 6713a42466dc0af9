package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A scriptable TimestampOracle server on 127.0.0.1 for client tests: each GetTimestamp request (unary, or one
 * message on a StreamTimestamps stream) is answered by the current handler, which returns a response or throws a
 * StatusRuntimeException (which ends a stream), or returns null to never answer.
 */
final class FakeOracle implements AutoCloseable {
  private final AtomicReference<Function<GetTimestampRequest, GetTimestampResponse>> handler;
  private final AtomicReference<Function<GetMembersRequest, GetMembersResponse>> members =
      new AtomicReference<>(req -> GetMembersResponse.newBuilder().setResponderId("fake").build());
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger membersCalls = new AtomicInteger();
  private final Server server;

  FakeOracle(Function<GetTimestampRequest, GetTimestampResponse> handler) throws IOException {
    this(handler, null, 0);
  }

  /**
   * A server on 127.0.0.1:{@code port} (0: any free port) that speaks TLS with {@code tls} (null: plaintext), e.g.
   * from {@code GrpcSslContexts.forServer(cert, key)}.
   */
  FakeOracle(Function<GetTimestampRequest, GetTimestampResponse> handler, SslContext tls, int port)
      throws IOException {
    this.handler = new AtomicReference<>(handler);
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new Service());
    if (tls != null) {
      b.sslContext(tls);
    }
    this.server = b.build().start();
  }

  int port() {
    return server.getPort();
  }

  void answerWith(Function<GetTimestampRequest, GetTimestampResponse> next) {
    handler.set(next);
  }

  /** Answers GetMembers with {@code next} from now on (null from it: never answer). */
  void membersWith(Function<GetMembersRequest, GetMembersResponse> next) {
    members.set(next);
  }

  /** How many StreamTimestamps calls were opened. */
  int streams() {
    return streams.get();
  }

  /** How many GetMembers calls arrived. */
  int membersCalls() {
    return membersCalls.get();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  int calls() {
    return calls.get();
  }

  /** A handler that serves consecutive ranges in {@code term} starting at physical millisecond {@code physical}. */
  static Function<GetTimestampRequest, GetTimestampResponse> serving(long term, long physical) {
    AtomicReference<Long> next = new AtomicReference<>(Timestamp.pack(physical, 0));
    return req -> {
      long first = next.getAndUpdate(v -> Timestamp.pack(Timestamp.physicalOf(v) + 1, 0));
      return response(first, req.getCount(), term, req.getRequestId());
    };
  }

  static GetTimestampResponse response(long first, int count, long term, long requestId) {
    return GetTimestampResponse.newBuilder().setFirst(first).setCount(count).setTerm(term)
        .setRequestId(requestId).build();
  }

  /** UNAVAILABLE with a leader hint in the trailers. */
  static StatusRuntimeException unavailable(String leaderId, String leaderEndpoint, long term) {
    Metadata trailers = new Metadata();
    trailers.put(WireKeys.LEADER_HINT,
        LeaderHint.newBuilder().setId(leaderId).setEndpoint(leaderEndpoint).setTerm(term).build());
    return Status.UNAVAILABLE.withDescription("not the leader").asRuntimeException(trailers);
  }

  @Override
  public void close() {
    stop();
  }

  /** Stops the server now (calls in flight fail) and waits up to 5 s for it. */
  void stop() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Service extends TimestampOracleGrpc.TimestampOracleImplBase {
    @Override
    public void getTimestamp(GetTimestampRequest request, StreamObserver<GetTimestampResponse> responses) {
      calls.incrementAndGet();
      GetTimestampResponse r;
      try {
        r = handler.get().apply(request);
      } catch (StatusRuntimeException e) {
        responses.onError(e);
        return;
      }
      if (r != null) {
        responses.onNext(r);
        responses.onCompleted();
      }
    }

    @Override
    public StreamObserver<GetTimestampRequest> streamTimestamps(StreamObserver<GetTimestampResponse> responses) {
      streams.incrementAndGet();
      return new StreamObserver<>() {
        private boolean ended;

        @Override
        public void onNext(GetTimestampRequest request) {
          if (ended) {
            return;
          }
          calls.incrementAndGet();
          GetTimestampResponse r;
          try {
            r = handler.get().apply(request);
          } catch (StatusRuntimeException e) {
            ended = true;
            responses.onError(e);
            return;
          }
          if (r != null) {
            responses.onNext(r);
          }
        }

        @Override
        public void onError(Throwable t) {
          ended = true;
        }

        @Override
        public void onCompleted() {
          if (!ended) {
            ended = true;
            responses.onCompleted();
          }
        }
      };
    }

    @Override
    public void getMembers(GetMembersRequest request, StreamObserver<GetMembersResponse> responses) {
      membersCalls.incrementAndGet();
      GetMembersResponse r;
      try {
        r = members.get().apply(request);
      } catch (StatusRuntimeException e) {
        responses.onError(e);
        return;
      }
      if (r != null) {
        responses.onNext(r);
        responses.onCompleted();
      }
    }
  }
}
