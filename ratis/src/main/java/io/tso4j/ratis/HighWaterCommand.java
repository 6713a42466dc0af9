package io.tso4j.ratis;

import java.nio.ByteBuffer;

/**
 * A command of the replicated high-water register, in tso4j's own versioned binary format.
 *
 * <p>Layout (big-endian, {@value #SIZE} bytes): version (1 byte, {@value #VERSION}), op (1 byte: 1 = LOAD,
 * 2 = PERSIST), proposer term (8 bytes), value (8 bytes; 0 for LOAD). Term and value are never negative.
 *
 * @param op what the command does
 * @param term the term the proposing leader believes it leads in
 * @param value the requested lower bound for PERSIST (physical milliseconds); 0 for LOAD
 */
public record HighWaterCommand(Op op, long term, long value) {
  /** The format version written by this code. */
  public static final byte VERSION = 1;
  /** The encoded size in bytes. */
  public static final int SIZE = 18;

  /** The operations of the register. */
  public enum Op {
    /** Read the high-water mark through the log. */
    LOAD((byte) 1),
    /** Raise the high-water mark to at least the value. */
    PERSIST((byte) 2);

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

  /** Validates the fields: non-null op, term and value >= 0, value 0 for LOAD. */
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
    if (op == Op.LOAD && value != 0) {
      throw new IllegalArgumentException("LOAD carries no value: " + value);
    }
  }

  /** A LOAD command proposed in {@code term}. */
  public static HighWaterCommand load(long term) {
    return new HighWaterCommand(Op.LOAD, term, 0);
  }

  /** A PERSIST command proposed in {@code term} that raises the mark to at least {@code atLeast}. */
  public static HighWaterCommand persist(long term, long atLeast) {
    return new HighWaterCommand(Op.PERSIST, term, atLeast);
  }

  /** The command in the binary format. */
  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).put(VERSION).put(op.code).putLong(term).putLong(value).array();
  }

  /**
   * Parses a command.
   *
   * @throws IllegalArgumentException if the bytes are not a valid command of a known version
   */
  public static HighWaterCommand decode(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new IllegalArgumentException("command must be " + SIZE + " bytes, was "
          + (bytes == null ? "null" : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte version = b.get();
    if (version != VERSION) {
      throw new IllegalArgumentException("unsupported command version " + version);
    }
    Op op = Op.of(b.get());
    return new HighWaterCommand(op, b.getLong(), b.getLong());
  }
}
