package io.tso4j.ratis;

import java.nio.ByteBuffer;

/**
 * The state machine's answer to a {@link HighWaterCommand}, in tso4j's own versioned binary format.
 *
 * <p>Layout (big-endian). Version 3, written by this code ({@value #SIZE} bytes): version (1 byte), status (1 byte:
 * 0 = OK, 1 = FENCED, 2 = BAD_COMMAND, 3 = OUT_OF_RANGE), value (8 bytes), entry term (8 bytes), largest lease (8
 * bytes, nanoseconds), flags (1 byte: bit 0 = the lease is released), since last grant (8 bytes, nanoseconds; -1 =
 * unknown). Version 2 ({@value #V2_SIZE} bytes, without the last field) and version 1 ({@value #V1_SIZE} bytes,
 * without the last three) are still read. Replies are not stored anywhere: a version only matters between the
 * state machine and the driver of one running node, which run the same code.
 *
 * @param status the outcome
 * @param value OK: the stored high-water mark; FENCED: the newest fenced term; OUT_OF_RANGE: the largest value
 *     allowed; BAD_COMMAND: 0
 * @param entryTerm the term of the log entry that carried the command
 * @param largestLeaseNanos the longest lease any PERSIST carried so far (OK replies; otherwise 0)
 * @param leaseReleased whether the last lease event is a release by the leader of the last lease-granting write (OK
 *     replies; otherwise false)
 * @param sinceLastGrantNanos LOAD replies of {@link HighWaterStateMachine}: how long before it applied the LOAD the
 *     replica that answered had applied the last lease-granting PERSIST, on its monotonic clock; {@link #UNKNOWN}
 *     when it does not know (nothing applied since its start or since it loaded a snapshot, a register embedded in a
 *     host's state machine, any other command). A node-local fact, not register state (docs/correctness.md F6b)
 */
public record HighWaterReply(Status status, long value, long entryTerm, long largestLeaseNanos,
    boolean leaseReleased, long sinceLastGrantNanos) {
  /** The format version written by this code. */
  public static final byte VERSION = 3;
  /** {@link #sinceLastGrantNanos()} when the replica does not know. */
  public static final long UNKNOWN = -1;
  /** The encoded size in bytes. */
  public static final int SIZE = 35;
  /** The size of a version-2 reply (still read). */
  public static final int V2_SIZE = 27;
  /** The size of a version-1 reply (still read). */
  public static final int V1_SIZE = 18;

  /** Outcomes of a command. */
  public enum Status {
    /** Applied; the value is the high-water mark after the command. */
    OK,
    /** Rejected: the command's term is not its entry's term, or is older than the fenced term. */
    FENCED,
    /** Rejected: the command bytes could not be parsed. */
    BAD_COMMAND,
    /**
     * Rejected, nothing changed: a PERSIST or RELEASE value above the largest physical time a timestamp can carry
     * (docs/correctness.md T1, R4).
     */
    OUT_OF_RANGE
  }

  /** A reply without lease information (FENCED, BAD_COMMAND, OUT_OF_RANGE, or a version-1 reply). */
  public HighWaterReply(Status status, long value, long entryTerm) {
    this(status, value, entryTerm, 0, false, UNKNOWN);
  }

  /** A reply with lease information, without the age of the last grant. */
  public HighWaterReply(Status status, long value, long entryTerm, long largestLeaseNanos, boolean leaseReleased) {
    this(status, value, entryTerm, largestLeaseNanos, leaseReleased, UNKNOWN);
  }

  /** This reply with {@link #sinceLastGrantNanos()} set to {@code nanos} (or {@link #UNKNOWN}). */
  public HighWaterReply withSinceLastGrant(long nanos) {
    return new HighWaterReply(status, value, entryTerm, largestLeaseNanos, leaseReleased, nanos);
  }

  /** Validates the fields. */
  public HighWaterReply {
    if (status == null) {
      throw new IllegalArgumentException("status is null");
    }
    if (largestLeaseNanos < 0) {
      throw new IllegalArgumentException("largestLeaseNanos must be >= 0: " + largestLeaseNanos);
    }
    if (sinceLastGrantNanos < UNKNOWN) {
      throw new IllegalArgumentException("sinceLastGrantNanos must be >= 0 or UNKNOWN: " + sinceLastGrantNanos);
    }
  }

  /** The reply in the binary format (version {@value #VERSION}). */
  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).put(VERSION).put((byte) status.ordinal()).putLong(value).putLong(entryTerm)
        .putLong(largestLeaseNanos).put((byte) (leaseReleased ? 1 : 0)).putLong(sinceLastGrantNanos).array();
  }

  /**
   * Parses a reply of version 1, 2 or 3.
   *
   * @throws IllegalArgumentException if the bytes are not a valid reply of a known version
   */
  public static HighWaterReply decode(byte[] bytes) {
    if (bytes == null || (bytes.length != SIZE && bytes.length != V2_SIZE && bytes.length != V1_SIZE)) {
      throw new IllegalArgumentException("reply must be " + SIZE + " (or " + V2_SIZE + ", " + V1_SIZE
          + ") bytes, was " + (bytes == null ? "null" : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte version = b.get();
    int expected = version == 1 ? V1_SIZE : version == 2 ? V2_SIZE : version == VERSION ? SIZE : -1;
    if (expected < 0) {
      throw new IllegalArgumentException("unsupported reply version " + version);
    }
    if (bytes.length != expected) {
      throw new IllegalArgumentException("a version " + version + " reply is " + expected + " bytes, was "
          + bytes.length);
    }
    int code = b.get();
    if (code < 0 || code >= Status.values().length) {
      throw new IllegalArgumentException("unknown reply status " + code);
    }
    Status status = Status.values()[code];
    long value = b.getLong();
    long entryTerm = b.getLong();
    if (version == 1) {
      return new HighWaterReply(status, value, entryTerm);
    }
    long lease = b.getLong();
    byte flags = b.get();
    if ((flags & ~1) != 0) {
      throw new IllegalArgumentException("unknown reply flags " + flags);
    }
    long sinceLastGrant = version == 2 ? UNKNOWN : b.getLong();
    if (sinceLastGrant < UNKNOWN) {
      throw new IllegalArgumentException("negative age of the last grant " + sinceLastGrant);
    }
    return new HighWaterReply(status, value, entryTerm, lease, (flags & 1) != 0, sinceLastGrant);
  }
}
