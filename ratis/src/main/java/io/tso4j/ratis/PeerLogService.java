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
 * <p>The reply also carries when this node's process began serving Raft (its wall clock, milliseconds): among
 * followers with equal logs, the one that has run longest stands, because a JVM that started seconds ago still runs
 * Ratis's leader code cold (seen: "leader ready" 879 ms after the vote for a node started 2.5 s before, against
 * 100-200 ms for warm ones). Each node reports its own value, so every reader ranks the same numbers, whatever the
 * clocks.
 *
 * <p>Wire format, no protobuf: the request is empty, the reply {@value #REPLY_BYTES} bytes, big-endian: term, index,
 * start time; {@code (0, -1)} for an empty log. Until the node's group is up ({@link #source}) the call fails with
 * {@code UNAVAILABLE}. Thread-safe.
 */
final class PeerLogService {
  /** The service name (allowed through {@link RaftOnlyPort}). */
  static final String SERVICE = "tso4j.peer.v1.PeerLog";
  /** The size of a reply. */
  static final int REPLY_BYTES = 24;
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

  private final long startedMillis;
  private volatile Supplier<TermIndex> lastEntry;

  /** A service of a node that begins now. */
  PeerLogService() {
    this(System.currentTimeMillis());
  }

  /** A service of a node that began at {@code startedMillis} (wall clock; tests pass their own). */
  PeerLogService(long startedMillis) {
    this.startedMillis = startedMillis;
  }

  /** What this node answers about itself now: its last log entry and its start, or null before {@link #source}. */
  PeerLog self() {
    Supplier<TermIndex> s = lastEntry;
    if (s == null) {
      return null;
    }
    TermIndex last = s.get();
    return new PeerLog(last == null ? EMPTY : last, startedMillis);
  }

  /** Answers with what {@code lastEntry} returns (null: an empty log) from now on. */
  void source(Supplier<TermIndex> lastEntry) {
    this.lastEntry = lastEntry;
  }

  /** The gRPC service to add to the Raft port. */
  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(LAST_ENTRY, ServerCalls.asyncUnaryCall((request, reply) -> {
          PeerLog self;
          try {
            self = self();
          } catch (RuntimeException e) {
            reply.onError(Status.UNAVAILABLE.withDescription("cannot read the log: " + e).asRuntimeException());
            return;
          }
          if (self == null) {
            reply.onError(Status.UNAVAILABLE.withDescription("the Raft group is not up yet").asRuntimeException());
            return;
          }
          reply.onNext(encode(self));
          reply.onCompleted();
        }))
        .build();
  }

  static byte[] encode(PeerLog log) {
    return ByteBuffer.allocate(REPLY_BYTES).putLong(log.last().getTerm()).putLong(log.last().getIndex())
        .putLong(log.startedMillis()).array();
  }

  /**
   * What a reply says.
   *
   * @throws IllegalArgumentException if {@code reply} is not {@value #REPLY_BYTES} bytes
   */
  static PeerLog decode(byte[] reply) {
    if (reply.length != REPLY_BYTES) {
      throw new IllegalArgumentException("a last-entry reply has " + REPLY_BYTES + " bytes, not " + reply.length);
    }
    ByteBuffer b = ByteBuffer.wrap(reply);
    return new PeerLog(TermIndex.valueOf(b.getLong(), b.getLong()), b.getLong());
  }

  /** A node's last log entry and when its process began serving Raft (wall clock, milliseconds). */
  record PeerLog(TermIndex last, long startedMillis) implements Comparable<PeerLog> {
    /** Newer last entry first, then the earlier start: the better candidate compares greater. */
    @Override
    public int compareTo(PeerLog o) {
      int byLog = last.compareTo(o.last);
      return byLog != 0 ? byLog : Long.compare(o.startedMillis, startedMillis);
    }

    @Override
    public String toString() {
      return last + "@" + startedMillis;
    }
  }
}
