package io.tso4j.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** The {@link Transport} over the client's gRPC channels. Thread-safe. */
final class GrpcTransport implements Transport {
  private final ChannelPool channels;
  private final int serverWaitMillis;

  /** A transport over {@code channels} whose stream requests let a node hold them {@code serverWaitMillis}. */
  GrpcTransport(ChannelPool channels, int serverWaitMillis) {
    this.channels = channels;
    this.serverWaitMillis = serverWaitMillis;
  }

  @Override
  public TimestampStream open(String endpoint, TimestampStream.Listener listener) {
    ClientCall<GetTimestampRequest, GetTimestampResponse> call = channels.get(endpoint)
        .newCall(TimestampOracleGrpc.getStreamTimestampsMethod(), CallOptions.DEFAULT);
    GrpcStream s = new GrpcStream(endpoint, call, listener, serverWaitMillis);
    call.start(s, new Metadata());
    // Responses never outnumber the requests sent (a few at most), so there is no need to meter them.
    call.request(Integer.MAX_VALUE);
    return s;
  }

  @Override
  public void getMembers(String endpoint, long timeoutNanos, BiConsumer<GetMembersResponse, Throwable> done) {
    ClientCall<GetMembersRequest, GetMembersResponse> call;
    try {
      call = channels.get(endpoint).newCall(TimestampOracleGrpc.getGetMembersMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS));
    } catch (RuntimeException closed) {
      done.accept(null, closed);
      return;
    }
    ClientCalls.asyncUnaryCall(call, GetMembersRequest.getDefaultInstance(), new StreamObserver<>() {
      private GetMembersResponse response;

      @Override
      public void onNext(GetMembersResponse value) {
        response = value;
      }

      @Override
      public void onError(Throwable t) {
        done.accept(null, t);
      }

      @Override
      public void onCompleted() {
        if (response == null) {
          done.accept(null, Status.INTERNAL.withDescription("GetMembers completed without a response")
              .asRuntimeException());
        } else {
          done.accept(response, null);
        }
      }
    });
  }

  /** One StreamTimestamps call; gRPC calls the listener methods serially. */
  private static final class GrpcStream extends ClientCall.Listener<GetTimestampResponse> implements TimestampStream {
    private final String endpoint;
    private final ClientCall<GetTimestampRequest, GetTimestampResponse> call;
    private final TimestampStream.Listener listener;
    private final int serverWaitMillis;

    GrpcStream(String endpoint, ClientCall<GetTimestampRequest, GetTimestampResponse> call,
        TimestampStream.Listener listener, int serverWaitMillis) {
      this.endpoint = endpoint;
      this.call = call;
      this.listener = listener;
      this.serverWaitMillis = serverWaitMillis;
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public void send(int count, long requestId) {
      call.sendMessage(GetTimestampRequest.newBuilder().setCount(count).setRequestId(requestId)
          .setMaxWaitMs(serverWaitMillis).build());
    }

    @Override
    public void cancel(String why) {
      call.cancel(why, null);
    }

    @Override
    public void onMessage(GetTimestampResponse message) {
      listener.onResponse(this, message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      listener.onClosed(this, status, trailers);
    }
  }
}
