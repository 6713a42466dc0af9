package io.tso4j.ratis;

import java.nio.ByteBuffer;

/**
 * The state machine's answer to a {@link HighWaterCommand}, in tso4j's own versioned binary format.
 *
 * <p>Layout (big-endian, {@value #SIZE} bytes): version (1 byte), status (1 byte: 0 = OK, 1 = FENCED,
 * 2 = BAD_COMMAND), value (8 bytes), entry term (8 bytes).
 *
 * @param status the outcome
 * @param value OK: the stored high-water mark; FENCED: the newest fenced term; BAD_COMMAND: 0
 * @param entryTerm the term of the log entry that carried the command
 */
public record HighWaterReply(Status status, long value, long entryTerm) {
  /** The format version written by this code. */
  public static final byte VERSION = 1;
  /** The encoded size in bytes. */
  public static final int SIZE = 18;

  /** Outcomes of a command. */
  public enum Status {
    /** Applied; the value is the high-water mark after the command. */
    OK,
    /** Rejected: the command's term is not its entry's term, or is older than the fenced term. */
    FENCED,
    /** Rejected: the command bytes could not be parsed. */
    BAD_COMMAND
  }

  /** Validates the fields. */
  public HighWaterReply {
    if (status == null) {
      throw new IllegalArgumentException("status is null");
    }
  }

  /** The reply in the binary format. */
  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).put(VERSION).put((byte) status.ordinal()).putLong(value).putLong(entryTerm)
        .array();
  }

  /**
   * Parses a reply.
   *
   * @throws IllegalArgumentException if the bytes are not a valid reply of a known version
   */
  public static HighWaterReply decode(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new IllegalArgumentException("reply must be " + SIZE + " bytes, was "
          + (bytes == null ? "null" : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte version = b.get();
    if (version != VERSION) {
      throw new IllegalArgumentException("unsupported reply version " + version);
    }
    int code = b.get();
    if (code < 0 || code >= Status.values().length) {
      throw new IllegalArgumentException("unknown reply status " + code);
    }
    return new HighWaterReply(Status.values()[code], b.getLong(), b.getLong());
  }
}
