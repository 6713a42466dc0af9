package io.tso4j.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects a response stream; {@code done} completes on OK and fails with the status otherwise. */
final class ResponseCollector implements StreamObserver<GetTimestampResponse> {
  final List<GetTimestampResponse> responses = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> done = new CompletableFuture<>();

  @Override
  public void onNext(GetTimestampResponse value) {
    responses.add(value);
  }

  @Override
  public void onError(Throwable t) {
    done.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    done.complete(null);
  }
}
