package io.tso4j.ratis;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.function.LongSupplier;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;

/**
 * One of the two calls a tso4j node answers on its Raft port besides the Raft peer protocol (the other: {@link
 * PeerLogService}): {@value #SERVICE}/Read returns this node's monotonic clock, so that its peers can compare clock
 * rates (docs/correctness.md C6). It rides on the Raft port, so it gets the same peer TLS ({@link PeerTls}: mutual,
 * only peers with a trusted certificate get an answer) and needs no port of its own.
 *
 * <p>Wire format, no protobuf: the request is empty, the reply 16 bytes, big-endian: this process's incarnation (a
 * random id: a restarted node starts a new series at its peers) and the monotonic clock in nanoseconds. Reading it
 * reveals nothing but a clock. Thread-safe.
 */
final class PeerClockService {
  /** The service name (allowed through {@link RaftOnlyPort}). */
  static final String SERVICE = "tso4j.peer.v1.PeerClock";
  /** The size of a reply. */
  static final int REPLY_BYTES = 16;

  /** An empty request and a 16-byte reply as raw bytes. */
  static final MethodDescriptor<byte[], byte[]> READ = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Read"))
      .setRequestMarshaller(PeerBytes.INSTANCE)
      .setResponseMarshaller(PeerBytes.INSTANCE)
      .setIdempotent(true)
      .build();

  private final long incarnation = new SecureRandom().nextLong();
  private volatile LongSupplier ticker = System::nanoTime;

  /** Answers with {@code monoNanos} from now on (the oracle's clock; the system's until set). */
  void ticker(LongSupplier monoNanos) {
    this.ticker = monoNanos;
  }

  /** This process's incarnation. */
  long incarnation() {
    return incarnation;
  }

  /** The gRPC service to add to the Raft port. */
  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(READ, ServerCalls.asyncUnaryCall((request, reply) -> {
          reply.onNext(encode(incarnation, ticker.getAsLong()));
          reply.onCompleted();
        }))
        .build();
  }

  static byte[] encode(long incarnation, long monoNanos) {
    return ByteBuffer.allocate(REPLY_BYTES).putLong(incarnation).putLong(monoNanos).array();
  }
}
