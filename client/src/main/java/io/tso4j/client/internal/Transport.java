package io.tso4j.client.internal;

import io.tso4j.proto.v1.GetMembersResponse;
import java.util.function.BiConsumer;

/**
 * How the stream dispatcher reaches the nodes: open a timestamp stream, ask for the members. {@link GrpcTransport}
 * is the real one; tests drive the dispatcher through their own. Thread-safe.
 */
interface Transport {
  /**
   * Opens a stream to {@code endpoint} whose events go to {@code listener}.
   *
   * @throws IllegalStateException if the client is closing
   */
  TimestampStream open(String endpoint, TimestampStream.Listener listener);

  /**
   * Asks {@code endpoint} for the members within {@code timeoutNanos}; {@code done} gets the response or the error
   * (never both), on a transport thread.
   */
  void getMembers(String endpoint, long timeoutNanos, BiConsumer<GetMembersResponse, Throwable> done);
}
