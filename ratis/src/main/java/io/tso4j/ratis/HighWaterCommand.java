package io.tso4j.ratis;

import java.nio.ByteBuffer;

/**
 * A command of the replicated high-water register, in tso4j's own versioned binary format.
 *
 * <p>Layout (big-endian). Version 2, written by this code ({@value #SIZE} bytes): version (1 byte, {@value
 * #VERSION}), op (1 byte: 1 = LOAD, 2 = PERSIST, 3 = RELEASE), proposer term (8 bytes), value (8 bytes; 0 for LOAD),
 * lease (8 bytes, nanoseconds; the proposer's lease for PERSIST, 0 otherwise). Version 1 ({@value #V1_SIZE} bytes,
 * LOAD and PERSIST only, no lease) is still read, so a log written by an older version replays. Term, value and lease
 * are never negative.
 *
 * @param op what the command does
 * @param term the term the proposing leader believes it leads in
 * @param value PERSIST: the requested lower bound (physical milliseconds); RELEASE: the highest physical time the
 *     releasing leader could have served; LOAD: 0
 * @param leaseNanos PERSIST: the proposer's lease length (0 if unknown, as in version 1); otherwise 0
 */
public record HighWaterCommand(Op op, long term, long value, long leaseNanos) {
  /** The format version written by this code. */
  public static final byte VERSION = 2;
  /** The encoded size in bytes of the version written by this code. */
  public static final int SIZE = 26;
  /** The size of a version-1 command (still read). */
  public static final int V1_SIZE = 18;

  /** The operations of the register. */
  public enum Op {
    /** Read the register through the log. */
    LOAD((byte) 1),
    /** Raise the high-water mark to at least the value; a lease-granting write that records its lease. */
    PERSIST((byte) 2),
    /** The proposer stopped serving: raise the mark to at least the value and record the lease as released. */
    RELEASE((byte) 3);

    private final byte code;

    Op(byte code) {
      this.code = code;
    }

    static Op of(byte code) {
      for (Op op : values()) {
        if (op.code == code) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown op code " + code);
    }
  }

  /** Validates the fields: non-null op, term, value and lease >= 0, value 0 for LOAD, lease only on PERSIST. */
  public HighWaterCommand {
    if (op == null) {
      throw new IllegalArgumentException("op is null");
    }
    if (term < 0) {
      throw new IllegalArgumentException("term must be >= 0: " + term);
    }
    if (value < 0) {
      throw new IllegalArgumentException("value must be >= 0: " + value);
    }
    if (leaseNanos < 0) {
      throw new IllegalArgumentException("lease must be >= 0: " + leaseNanos);
    }
    if (op == Op.LOAD && value != 0) {
      throw new IllegalArgumentException("LOAD carries no value: " + value);
    }
    if (op != Op.PERSIST && leaseNanos != 0) {
      throw new IllegalArgumentException(op + " carries no lease: " + leaseNanos);
    }
  }

  /** A LOAD command proposed in {@code term}. */
  public static HighWaterCommand load(long term) {
    return new HighWaterCommand(Op.LOAD, term, 0, 0);
  }

  /** A PERSIST command proposed in {@code term} that raises the mark to at least {@code atLeast}, lease unknown. */
  public static HighWaterCommand persist(long term, long atLeast) {
    return new HighWaterCommand(Op.PERSIST, term, atLeast, 0);
  }

  /** A PERSIST command proposed in {@code term} by a leader whose lease is {@code leaseNanos}. */
  public static HighWaterCommand persist(long term, long atLeast, long leaseNanos) {
    return new HighWaterCommand(Op.PERSIST, term, atLeast, leaseNanos);
  }

  /** A RELEASE command: the leader of {@code term} stopped serving; it served nothing above {@code servedUpTo}. */
  public static HighWaterCommand release(long term, long servedUpTo) {
    return new HighWaterCommand(Op.RELEASE, term, servedUpTo, 0);
  }

  /** The command in the binary format (version {@value #VERSION}). */
  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).put(VERSION).put(op.code).putLong(term).putLong(value).putLong(leaseNanos)
        .array();
  }

  /** Whether {@code length} is the size of a command of some version this code reads. */
  static boolean isCommandSize(int length) {
    return length == SIZE || length == V1_SIZE;
  }

  /**
   * Parses a command of version 1 or 2.
   *
   * @throws IllegalArgumentException if the bytes are not a valid command of a known version
   */
  public static HighWaterCommand decode(byte[] bytes) {
    if (bytes == null || !isCommandSize(bytes.length)) {
      throw new IllegalArgumentException("command must be " + SIZE + " (or " + V1_SIZE + ") bytes, was "
          + (bytes == null ? "null" : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte version = b.get();
    int expected = version == 1 ? V1_SIZE : version == VERSION ? SIZE : -1;
    if (expected < 0) {
      throw new IllegalArgumentException("unsupported command version " + version);
    }
    if (bytes.length != expected) {
      throw new IllegalArgumentException("a version " + version + " command is " + expected + " bytes, was "
          + bytes.length);
    }
    Op op = Op.of(b.get());
    if (version == 1 && op == Op.RELEASE) {
      throw new IllegalArgumentException("unknown op code 3 in a version 1 command");
    }
    long term = b.getLong();
    long value = b.getLong();
    long lease = version == 1 ? 0 : b.getLong();
    return new HighWaterCommand(op, term, value, lease);
  }
}
