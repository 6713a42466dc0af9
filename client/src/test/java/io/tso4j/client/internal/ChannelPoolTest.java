package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A channel whose node was down reconnects at once when the client uses it again (no gRPC reconnect backoff). */
@Timeout(30)
final class ChannelPoolTest {
  @Test
  void aNodeThatComesBackIsReachableAtOnce() throws Exception {
    int port = freePort();
    String endpoint = "127.0.0.1:" + port;
    try (ChannelPool pool = new ChannelPool()) {
      ManagedChannel ch = pool.get(endpoint);
      assertThatThrownBy(() -> call(ch, 2_000)).isInstanceOf(StatusRuntimeException.class);
      awaitState(ch, ConnectivityState.TRANSIENT_FAILURE);
      Server server = start(port);
      try {
        // gRPC alone would wait out its reconnect backoff (about 1 s) and fail every call meanwhile.
        assertThat(succeedsWithin(300, () -> call(pool.get(endpoint), 100))).isTrue();
      } finally {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void withoutTheResetTheChannelWouldStillBeBackingOff() throws Exception {
    // Positive control: the raw channel, used without the pool's reset, fails the same call.
    int port = freePort();
    String endpoint = "127.0.0.1:" + port;
    try (ChannelPool pool = new ChannelPool()) {
      ManagedChannel ch = pool.get(endpoint);
      assertThatThrownBy(() -> call(ch, 2_000)).isInstanceOf(StatusRuntimeException.class);
      awaitState(ch, ConnectivityState.TRANSIENT_FAILURE);
      Server server = start(port);
      try {
        assertThat(succeedsWithin(300, () -> call(ch, 100))).isFalse();
      } finally {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Whether {@code attempt} succeeds at least once within {@code millis}, trying every 10 ms. */
  private static boolean succeedsWithin(long millis, Runnable attempt) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() - deadline < 0) {
      try {
        attempt.run();
        return true;
      } catch (StatusRuntimeException e) {
        Thread.sleep(10);
      }
    }
    return false;
  }

  private static GetMembersResponse call(ManagedChannel ch, long deadlineMillis) {
    return TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
        .getMembers(GetMembersRequest.getDefaultInstance());
  }

  private static void awaitState(ManagedChannel ch, ConnectivityState wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ch.getState(false) != wanted) {
      assertThat(System.nanoTime()).as("channel state " + ch.getState(false)).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static Server start(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new TimestampOracleGrpc.TimestampOracleImplBase() {
          @Override
          public void getMembers(GetMembersRequest request, StreamObserver<GetMembersResponse> responses) {
            responses.onNext(GetMembersResponse.newBuilder().setResponderId("n1").build());
            responses.onCompleted();
          }
        }).build().start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
