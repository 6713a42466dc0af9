package io.tso4j.server.grpc;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.util.function.Function;

/**
 * One StreamTimestamps call: answers each request in order, reading the next request only once the answer could be
 * sent (so a client that stops reading cannot make the server buffer without bound). A refusal ends the stream with
 * its status; a client half-close ends it with OK; a client cancel just stops it.
 *
 * <p>Thread-safety: gRPC delivers every callback of one call serially; the flags are volatile for visibility.
 */
final class TimestampStream implements StreamObserver<GetTimestampRequest> {
  private final ServerCallStreamObserver<GetTimestampResponse> out;
  private final Function<GetTimestampRequest, GetTimestampResponse> serve;
  private volatile boolean done;
  private volatile boolean awaitingReady;

  private TimestampStream(ServerCallStreamObserver<GetTimestampResponse> out,
      Function<GetTimestampRequest, GetTimestampResponse> serve) {
    this.out = out;
    this.serve = serve;
  }

  /**
   * Wires a stream onto {@code responses}; {@code serve} answers one request or throws the StatusRuntimeException
   * that ends the stream. Must be called from the service method itself.
   */
  static TimestampStream open(StreamObserver<GetTimestampResponse> responses,
      Function<GetTimestampRequest, GetTimestampResponse> serve) {
    ServerCallStreamObserver<GetTimestampResponse> out = (ServerCallStreamObserver<GetTimestampResponse>) responses;
    TimestampStream stream = new TimestampStream(out, serve);
    out.disableAutoRequest();
    out.setOnCancelHandler(stream::onCancel);
    out.setOnReadyHandler(stream::onReady);
    out.request(1);
    return stream;
  }

  @Override
  public void onNext(GetTimestampRequest request) {
    if (done) {
      return;
    }
    GetTimestampResponse response;
    try {
      response = serve.apply(request);
    } catch (StatusRuntimeException e) {
      done = true;
      out.onError(e);
      return;
    }
    out.onNext(response);
    if (out.isReady()) {
      out.request(1);
    } else {
      awaitingReady = true;
    }
  }

  @Override
  public void onError(Throwable t) {
    // The client cancelled or the transport failed: the call is already over, nothing to send.
    done = true;
  }

  @Override
  public void onCompleted() {
    if (!done) {
      done = true;
      out.onCompleted();
    }
  }

  private void onReady() {
    if (!done && awaitingReady) {
      awaitingReady = false;
      out.request(1);
    }
  }

  private void onCancel() {
    done = true;
  }
}
