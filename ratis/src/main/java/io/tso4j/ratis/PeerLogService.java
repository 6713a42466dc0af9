package io.tso4j.ratis;

import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;

/**
 * Tells a peer how far this node's Raft log goes: {@value #SERVICE}/LastEntry returns the term and index of the last
 * entry in the log (appended, committed or not). A follower that lost its leader asks the other members before it
 * forces an election, so that the one with the newest log stands: Raft grants no vote to a candidate whose log is
 * older than the voter's, and a forced election by such a candidate fails and leaves the group waiting out an
 * election timeout ({@link LeaderLossDetector}, docs/correctness.md D1). It rides on the Raft port, so it gets the
 * same peer TLS as Raft ({@link PeerTls}) and needs no port of its own; it reveals nothing but two numbers.
 *
 * <p>Wire format, no protobuf: the request is empty, the reply {@value #REPLY_BYTES} bytes, big-endian: term, then
 * index; {@code (0, -1)} for an empty log. Until the node's group is up ({@link #source}) the call fails with {@code
 * UNAVAILABLE}. Thread-safe.
 */
final class PeerLogService {
  /** The service name (allowed through {@link RaftOnlyPort}). */
  static final String SERVICE = "tso4j.peer.v1.PeerLog";
  /** The size of a reply. */
  static final int REPLY_BYTES = 16;
  /** What an empty log answers. */
  static final TermIndex EMPTY = TermIndex.valueOf(0, -1);

  /** An empty request and a 16-byte reply as raw bytes. */
  static final MethodDescriptor<byte[], byte[]> LAST_ENTRY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "LastEntry"))
      .setRequestMarshaller(PeerBytes.INSTANCE)
      .setResponseMarshaller(PeerBytes.INSTANCE)
      .setIdempotent(true)
      .build();

  private volatile Supplier<TermIndex> lastEntry;

  /** Answers with what {@code lastEntry} returns (null: an empty log) from now on. */
  void source(Supplier<TermIndex> lastEntry) {
    this.lastEntry = lastEntry;
  }

  /** The gRPC service to add to the Raft port. */
  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(LAST_ENTRY, ServerCalls.asyncUnaryCall((request, reply) -> {
          Supplier<TermIndex> s = lastEntry;
          if (s == null) {
            reply.onError(Status.UNAVAILABLE.withDescription("the Raft group is not up yet").asRuntimeException());
            return;
          }
          TermIndex last;
          try {
            last = s.get();
          } catch (RuntimeException e) {
            reply.onError(Status.UNAVAILABLE.withDescription("cannot read the log: " + e).asRuntimeException());
            return;
          }
          reply.onNext(encode(last == null ? EMPTY : last));
          reply.onCompleted();
        }))
        .build();
  }

  static byte[] encode(TermIndex last) {
    return ByteBuffer.allocate(REPLY_BYTES).putLong(last.getTerm()).putLong(last.getIndex()).array();
  }

  /**
   * The entry a reply names.
   *
   * @throws IllegalArgumentException if {@code reply} is not {@value #REPLY_BYTES} bytes
   */
  static TermIndex decode(byte[] reply) {
    if (reply.length != REPLY_BYTES) {
      throw new IllegalArgumentException("a last-entry reply has " + REPLY_BYTES + " bytes, not " + reply.length);
    }
    ByteBuffer b = ByteBuffer.wrap(reply);
    return TermIndex.valueOf(b.getLong(), b.getLong());
  }
}
