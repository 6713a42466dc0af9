package io.tso4j.ratis;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The snapshot file of the high-water register: what it holds and how it is written and read.
 *
 * <p>Layout (big-endian). Version 2, written by this code ({@value #SIZE} bytes): magic "TSOH", version (1 byte),
 * term, index, high-water mark, fenced term, largest lease (nanoseconds), last lease term (8 bytes each), flags (1
 * byte: bit 0 = lease released), CRC32C of everything before it (4 bytes). Version 1 ({@value #V1_SIZE} bytes: up to
 * the fenced term, then the CRC) still loads, with no lease recorded. Written to a temporary file, forced to disk, its
 * MD5 file saved (for Ratis's snapshot bookkeeping), then renamed atomically into place.
 *
 * @param term the term of the last applied entry
 * @param index the index of the last applied entry
 * @param state the register
 */
record HighWaterSnapshot(long term, long index, HighWaterRegister.State state) {
  static final int MAGIC = 0x54534F48;
  static final byte VERSION = 2;
  static final int SIZE = 4 + 1 + 6 * 8 + 1 + 4;
  static final int V1_SIZE = 4 + 1 + 4 * 8 + 4;

  /** Writes this snapshot to {@code file} atomically and returns the MD5 of its content. */
  MD5Hash write(File file) throws IOException {
    Path target = file.toPath();
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    ByteBuffer buf = ByteBuffer.allocate(SIZE);
    buf.putInt(MAGIC).put(VERSION).putLong(term).putLong(index).putLong(state.highWater())
        .putLong(state.fencedTerm()).putLong(state.largestLeaseNanos()).putLong(state.lastLeaseTerm())
        .put((byte) (state.leaseReleased() ? 1 : 0));
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, SIZE - 4);
    buf.putInt((int) crc.getValue());
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    MD5Hash md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
    MD5FileUtil.saveMD5File(file, md5);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename snapshot " + tmp + " atomically to " + target, e);
    }
    forceDirectory(target.getParent());
    return md5;
  }

  /**
   * Reads and verifies a snapshot file (size, magic, version, CRC, term and index against the file name's, and the
   * MD5 if one is given).
   *
   * @throws IOException naming the file if it is unreadable or corrupt
   */
  static HighWaterSnapshot read(File file, long expectedTerm, long expectedIndex, MD5Hash expectedMd5)
      throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file.toPath());
    } catch (NoSuchFileException e) {
      throw new IOException("snapshot file " + file + " is missing", e);
    } catch (IOException e) {
      throw new IOException("cannot read snapshot file " + file + ": " + e, e);
    }
    if (bytes.length != SIZE && bytes.length != V1_SIZE) {
      throw corrupt(file, "size " + bytes.length + " bytes, expected " + SIZE + " (or " + V1_SIZE + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt() != MAGIC) {
      throw corrupt(file, "bad magic");
    }
    byte version = b.get();
    int expected = version == 1 ? V1_SIZE : version == VERSION ? SIZE : -1;
    if (expected != bytes.length) {
      throw corrupt(file, "unsupported version " + version + " for size " + bytes.length);
    }
    long term = b.getLong();
    long index = b.getLong();
    long highWater = b.getLong();
    long fencedTerm = b.getLong();
    long lease = version == 1 ? 0 : b.getLong();
    long leaseTerm = version == 1 ? 0 : b.getLong();
    byte flags = version == 1 ? 0 : b.get();
    int stored = b.getInt();
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if (stored != (int) crc.getValue()) {
      throw corrupt(file, "checksum mismatch");
    }
    if (term != expectedTerm || index != expectedIndex) {
      throw corrupt(file, "holds term/index " + term + "/" + index + " but is named for "
          + expectedTerm + "/" + expectedIndex);
    }
    if ((flags & ~1) != 0) {
      throw corrupt(file, "unknown flags " + flags);
    }
    HighWaterSnapshot s;
    try {
      s = new HighWaterSnapshot(term, index,
          new HighWaterRegister.State(highWater, fencedTerm, lease, leaseTerm, (flags & 1) != 0));
    } catch (IllegalArgumentException e) {
      throw corrupt(file, e.getMessage());
    }
    if (expectedMd5 != null) {
      MD5Hash actual = MD5FileUtil.computeMd5ForFile(file);
      if (!actual.equals(expectedMd5)) {
        throw corrupt(file, "MD5 mismatch with " + MD5FileUtil.getDigestFileForFile(file));
      }
    }
    return s;
  }

  private static IOException corrupt(File file, String why) {
    return new IOException("corrupt snapshot file " + file + ": " + why
        + "; refusing to start from an empty register (that could hand out lower timestamps)");
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open directories; the rename itself is still atomic.
    }
  }
}
