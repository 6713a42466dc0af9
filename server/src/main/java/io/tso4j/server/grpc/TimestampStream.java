package io.tso4j.server.grpc;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.util.function.BiConsumer;

/**
 * One StreamTimestamps call: answers each request in order, reading the next request only once the answer could be
 * sent (so a client that stops reading cannot make the server buffer without bound). The answer may come later than
 * the request, from another thread, when the node holds it ({@link RequestHold}); the stream reads nothing meanwhile.
 * A refusal ends the stream with its status; a client half-close ends it with OK once the request being answered
 * (if any) has its answer; a client cancel just stops it.
 *
 * <p>Thread-safety: gRPC delivers the callbacks of one call serially; an answer from the hold's thread and those
 * callbacks meet under one lock (uncontended except while a request is held).
 */
final class TimestampStream implements StreamObserver<GetTimestampRequest>, Answer {
  private final ServerCallStreamObserver<GetTimestampResponse> out;
  private final BiConsumer<GetTimestampRequest, Answer> serve;
  private final Object lock = new Object();
  private volatile boolean done;
  private boolean answering;
  private boolean halfClosed;
  private boolean awaitingReady;

  private TimestampStream(ServerCallStreamObserver<GetTimestampResponse> out,
      BiConsumer<GetTimestampRequest, Answer> serve) {
    this.out = out;
    this.serve = serve;
  }

  /**
   * Wires a stream onto {@code responses}; {@code serve} answers one request through the {@link Answer} it is given
   * (at once or later). Must be called from the service method itself.
   */
  static TimestampStream open(StreamObserver<GetTimestampResponse> responses,
      BiConsumer<GetTimestampRequest, Answer> serve) {
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
    synchronized (lock) {
      if (done) {
        return;
      }
      answering = true;
    }
    serve.accept(request, this);
  }

  @Override
  public void served(GetTimestampResponse response) {
    synchronized (lock) {
      if (done) {
        return;
      }
      answering = false;
      out.onNext(response);
      if (halfClosed) {
        done = true;
        out.onCompleted();
      } else if (out.isReady()) {
        out.request(1);
      } else {
        awaitingReady = true;
      }
    }
  }

  @Override
  public void refused(StatusRuntimeException status) {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      out.onError(status);
    }
  }

  @Override
  public boolean abandoned() {
    return done;
  }

  @Override
  public void onError(Throwable t) {
    // The client cancelled or the transport failed: the call is already over, nothing to send.
    done = true;
  }

  @Override
  public void onCompleted() {
    synchronized (lock) {
      if (done) {
        return;
      }
      if (answering) {
        halfClosed = true;
        return;
      }
      done = true;
      out.onCompleted();
    }
  }

  private void onReady() {
    synchronized (lock) {
      if (!done && awaitingReady) {
        awaitingReady = false;
        out.request(1);
      }
    }
  }

  private void onCancel() {
    done = true;
  }
}
