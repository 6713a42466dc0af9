package io.tso4j.server.grpc;

/**
 * What the gRPC service tells about each timestamp request (GetTimestamp, or one request of a StreamTimestamps call),
 * for metrics. Called on the request path: an implementation must be cheap (counter increments, no allocation, no
 * locks, no logging). {@link #NONE} records nothing and reads no clock.
 */
public interface RequestRecorder {
  /** Records nothing. */
  RequestRecorder NONE = new RequestRecorder() {
    @Override
    public long start() {
      return 0;
    }

    @Override
    public void served(int count, long startNanos) {
    }

    @Override
    public void refused(RequestOutcome outcome, long startNanos) {
    }
  };

  /** Called when a request arrives; the value comes back to {@link #served} or {@link #refused}. */
  long start();

  /** The request was served with {@code count} timestamps; {@code startNanos} is what {@link #start} returned. */
  void served(int count, long startNanos);

  /** The request ended with {@code outcome} (never {@link RequestOutcome#OK}). */
  void refused(RequestOutcome outcome, long startNanos);
}
