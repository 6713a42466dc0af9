package io.tso4j.server.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A backup of the high-water register, as written by {@code tso4j admin snapshot --out FILE} and read by {@code tso4j
 * restore}: the persisted mark read through the log on the leader, when it was read, and by whom.
 *
 * <p>Layout (big-endian, {@value #SIZE} bytes): the magic {@code TSO4JBAK} (8 bytes), the format version (4 bytes,
 * {@value #VERSION}), the high-water mark in Unix milliseconds (8), the leader's wall clock when it read it (8), the
 * term it was read in (8), and a CRC-32 of everything before it (8, the value in the low 32 bits). Every timestamp the
 * cluster served before the read has a physical part ≤ the mark (docs/correctness.md A2).
 *
 * @param highWaterMillis the persisted mark
 * @param takenAtMillis the leader's wall clock when it read the mark
 * @param term the Raft term the mark was read in
 */
public record RegisterBackup(long highWaterMillis, long takenAtMillis, long term) {
  /** The format version written and read by this code. */
  public static final int VERSION = 1;
  /** The encoded size in bytes. */
  public static final int SIZE = 44;
  private static final byte[] MAGIC = "TSO4JBAK".getBytes(StandardCharsets.US_ASCII);

  /** Validates the fields. */
  public RegisterBackup {
    if (highWaterMillis < 0 || takenAtMillis < 0 || term < 0) {
      throw new IllegalArgumentException("backup fields must be >= 0: " + highWaterMillis + ", " + takenAtMillis
          + ", " + term);
    }
  }

  /** The backup in its file format. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).put(MAGIC).putInt(VERSION).putLong(highWaterMillis)
        .putLong(takenAtMillis).putLong(term);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, SIZE - 8);
    return b.putLong(crc.getValue()).array();
  }

  /**
   * Reads a backup.
   *
   * @throws IOException saying what is wrong (not a tso4j backup, a newer version, a bad checksum)
   */
  public static RegisterBackup decode(byte[] bytes) throws IOException {
    if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IOException("not a tso4j backup (no TSO4JBAK header)");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    b.position(MAGIC.length);
    if (bytes.length < MAGIC.length + 4) {
      throw new IOException("truncated tso4j backup (" + bytes.length + " bytes)");
    }
    int version = b.getInt();
    if (version != VERSION) {
      throw new IOException("tso4j backup format version " + version + " is not supported by this version (reads "
          + VERSION + "); restore it with the tso4j version that wrote it or a newer one");
    }
    if (bytes.length != SIZE) {
      throw new IOException("a tso4j backup is " + SIZE + " bytes, this one is " + bytes.length + " (truncated?)");
    }
    long high = b.getLong();
    long at = b.getLong();
    long term = b.getLong();
    long stored = b.getLong();
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, SIZE - 8);
    if (crc.getValue() != stored) {
      throw new IOException("tso4j backup checksum mismatch (the file is damaged)");
    }
    try {
      return new RegisterBackup(high, at, term);
    } catch (IllegalArgumentException e) {
      throw new IOException("damaged tso4j backup: " + e.getMessage(), e);
    }
  }
}
