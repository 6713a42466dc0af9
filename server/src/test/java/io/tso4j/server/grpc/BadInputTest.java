package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input on the client port gets a clear status or a closed connection, and the server keeps serving: garbage
 * bytes, an oversized header, an oversized message, and a stream that floods requests without reading answers (flow
 * control stops reading it, so the server buffers a bounded amount).
 */
@Timeout(60)
final class BadInputTest {
  private TestNode node;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    node = TestNode.leader("n1");
    channel = Loopback.channel(node.server.port());
  }

  @AfterEach
  void tearDown() throws Exception {
    Loopback.close(channel);
    node.close();
  }

  private void assertStillServes() throws InterruptedException {
    ManagedChannel fresh = Loopback.channel(node.server.port());
    try {
      GetTimestampResponse r = TimestampOracleGrpc.newBlockingStub(fresh).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getTimestamp(GetTimestampRequest.newBuilder().setCount(1).build());
      assertThat(r.getCount()).as("the server still serves").isEqualTo(1);
    } finally {
      Loopback.close(fresh);
    }
  }

  @Test
  void garbageBytesCloseTheirConnectionOnly() throws Exception {
    byte[] garbage = new byte[64 * 1024];
    new Random(42).nextBytes(garbage);
    try (Socket s = new Socket("127.0.0.1", node.server.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      boolean closed = false;
      try {
        out.write(garbage);
        out.flush();
        byte[] sink = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
          if (in.read(sink) < 0) {
            closed = true;
            break;
          }
        }
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (IOException e) {
        closed = true; // reset by the server
      }
      assertThat(closed).as("the server closed the garbage connection").isTrue();
    }
    assertStillServes();
  }

  @Test
  void anOversizedHeaderFailsItsCallWithAStatus() throws Exception {
    Metadata big = new Metadata();
    char[] value = new char[64 * 1024];
    Arrays.fill(value, 'x');
    big.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), new String(value));
    TimestampOracleGrpc.TimestampOracleBlockingStub stub = TimestampOracleGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(big));
    assertThatThrownBy(() -> stub.getMembers(GetMembersRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          // The server advertises its limit (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE); the call fails with it named.
          assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e).hasStackTraceContaining("Header size exceeded max allowed size ("
              + TsoGrpcServer.MAX_INBOUND_METADATA_BYTES + ")");
        });
    assertStillServes();
  }

  @Test
  void anOversizedMessageIsResourceExhausted() throws Exception {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(TimestampOracleGrpc.getGetTimestampMethod().getFullMethodName())
        .setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();
    byte[] huge = new byte[TsoGrpcServer.MAX_INBOUND_MESSAGE_BYTES + 1];
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, raw,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), huge))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as("%s", e.getStatus()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertStillServes();
  }

  @Test
  void aStreamThatNeverReadsItsAnswersIsStoppedByFlowControl() throws Exception {
    int million = 1_000_000;
    ClientCall<GetTimestampRequest, GetTimestampResponse> call = channel.newCall(
        TimestampOracleGrpc.getStreamTimestampsMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() { }, new Metadata());
    // Never call.request(n): no answer is read, so the client's HTTP/2 window fills and the server stops reading.
    GetTimestampRequest one = GetTimestampRequest.newBuilder().setCount(1).build();
    int sent = 0;
    long notReadySince = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sent < million && System.nanoTime() - deadline < 0) {
      if (call.isReady()) {
        call.sendMessage(one);
        sent++;
        notReadySince = -1;
      } else if (notReadySince < 0) {
        notReadySince = System.nanoTime();
      } else if (System.nanoTime() - notReadySince > TimeUnit.SECONDS.toNanos(3)) {
        break;
      } else {
        Thread.sleep(1);
      }
    }
    call.cancel("done", null);
    // Seen: about 155,000 (what the HTTP/2 windows and buffers hold in both directions), never all of them.
    assertThat(sent).as("the server stopped taking requests it could not answer").isLessThan(million / 2);
    assertStillServes();
  }

  /** Raw bytes as a gRPC message. */
  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
