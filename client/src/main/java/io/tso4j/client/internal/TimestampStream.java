package io.tso4j.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.proto.v1.GetTimestampResponse;

/**
 * One open StreamTimestamps call to one endpoint, as the dispatcher sees it. Its owner calls {@link #send} and
 * {@link #cancel} under its lock (never concurrently); the stream reports to its {@link Listener} serially.
 */
interface TimestampStream {
  /** What a stream reports, serially, on a transport thread. */
  interface Listener {
    /** The next response (the server answers in request order). */
    void onResponse(TimestampStream stream, GetTimestampResponse response);

    /** The stream ended with {@code status} (OK: the server ended it) and {@code trailers}. */
    void onClosed(TimestampStream stream, Status status, Metadata trailers);
  }

  /** The endpoint, {@code host:port}. */
  String endpoint();

  /**
   * Sends a request for {@code count} timestamps with {@code requestId}.
   *
   * @throws RuntimeException if the transport refused it (the stream is broken)
   */
  void send(int count, long requestId);

  /** Ends the stream from the client side; the listener hears no more. */
  void cancel(String why);
}
