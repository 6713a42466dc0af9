package io.tso4j.testkit.stress;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small disks of the run's own for a full-disk fault: each node's data directory is on a tmpfs of
 * {@value #SIZE_MB} MB mounted at {@code <work dir>/tso4j-nemesis-disk-<id>}; {@link #fill} writes a filler file
 * until the disk is full (ENOSPC), {@link #free} deletes it.
 *
 * <p>Every mount point holds an owner file with the pid of the stress process. {@link #mount} first unmounts stale
 * mounts of this tool: tmpfs mounts whose mount point is named {@code tso4j-nemesis-disk-*} and whose owner process is
 * gone (never a mount of a live run, never another mount). {@link #close()} unmounts this run's disks; a shutdown
 * hook does the same if the stress process is stopped. Not thread-safe: driven by the nemesis thread (and close).
 */
final class TmpfsDisks implements AutoCloseable {
  /** The size of each node's disk. */
  static final int SIZE_MB = 64;
  /** The prefix of every mount point this tool creates. */
  static final String MOUNT_PREFIX = "tso4j-nemesis-disk-";
  private static final String OWNER_FILE = ".tso4j-nemesis-owner";
  private static final String FILLER = "filler";
  private static final Logger LOG = LoggerFactory.getLogger(TmpfsDisks.class);

  private final Map<String, Path> mounts = new LinkedHashMap<>();
  private final Thread cleanup = new Thread(this::unmountAll, "tso4j-nemesis-tmpfs-cleanup");
  private boolean closed;

  /** Why small disks cannot be mounted here (not root, no mount), or empty if they can. */
  static Optional<String> unavailableReason(Path workDir) {
    if (!Commands.isRoot()) {
      return Optional.of("not root (mounting a tmpfs needs root)");
    }
    Path probe = workDir.resolve(MOUNT_PREFIX + "probe");
    try {
      Files.createDirectories(probe);
      Commands.Result r = Commands.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.toString()),
          null);
      if (!r.ok()) {
        return Optional.of("mount -t tmpfs failed (" + r.firstLine() + ")");
      }
      Commands.run(List.of("umount", probe.toString()), null);
      Files.deleteIfExists(probe);
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot create " + probe + ": " + e.getMessage());
    }
  }

  /** The mount point of node {@code id}'s disk under {@code workDir}. */
  static Path mountPoint(Path workDir, String id) {
    return workDir.resolve(MOUNT_PREFIX + id);
  }

  /** Unmounts stale mounts, then mounts a disk for each of {@code ids} under {@code workDir}. */
  static TmpfsDisks mount(Path workDir, List<String> ids) throws IOException {
    unmountStale();
    TmpfsDisks d = new TmpfsDisks();
    Runtime.getRuntime().addShutdownHook(d.cleanup);
    try {
      for (String id : ids) {
        Path p = mountPoint(workDir, id).toAbsolutePath();
        Files.createDirectories(p);
        Commands.Result r = Commands.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + SIZE_MB + "m,mode=0700",
            "tmpfs", p.toString()), null);
        if (!r.ok()) {
          throw new IOException("mount -t tmpfs on " + p + " failed: " + r.firstLine());
        }
        d.mounts.put(id, p);
        Files.writeString(p.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
      }
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
    LOG.info("tmpfs disks of {} MB mounted: {}", SIZE_MB, d.mounts.values());
    return d;
  }

  /** The data directory of node {@code id} (on its disk). */
  Path dataDir(String id) {
    return mounts.get(id).resolve("data");
  }

  /** Fills node {@code id}'s disk until ENOSPC; returns the bytes written. */
  long fill(String id) throws IOException {
    Path f = mounts.get(id).resolve(FILLER);
    byte[] chunk = new byte[1 << 16];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(f)) {
      while (written < (SIZE_MB + 1L) << 20) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("No space left")) {
        throw e;
      }
    }
    return written;
  }

  /** Deletes node {@code id}'s filler file. */
  void free(String id) throws IOException {
    Files.deleteIfExists(mounts.get(id).resolve(FILLER));
  }

  /** Unmounts every disk of this run (idempotent) and removes the shutdown hook. */
  @Override
  public void close() {
    unmountAll();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // shutting down already: the hook runs
    }
  }

  private synchronized void unmountAll() {
    if (closed) {
      return;
    }
    closed = true;
    for (Path p : mounts.values()) {
      Commands.Result r = Commands.run(List.of("umount", "-l", p.toString()), null);
      if (!r.ok()) {
        LOG.warn("could not unmount {}: {}", p, r.firstLine());
      }
    }
  }

  /**
   * Unmounts every tmpfs whose mount point is named {@code tso4j-nemesis-disk-*} and whose owner process is gone;
   * returns the mount points unmounted.
   */
  static List<Path> unmountStale() throws IOException {
    List<Path> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length < 3 || !f[2].equals("tmpfs")) {
        continue;
      }
      Path mp = Path.of(f[1].replace("\\040", " "));
      if (mp.getFileName() == null || !mp.getFileName().toString().startsWith(MOUNT_PREFIX)) {
        continue;
      }
      if (ownerAlive(mp)) {
        continue;
      }
      if (Commands.run(List.of("umount", "-l", mp.toString()), null).ok()) {
        LOG.warn("unmounted stale tmpfs {} of an earlier run", mp);
        out.add(mp);
      }
    }
    return out;
  }

  private static boolean ownerAlive(Path mountPoint) {
    try {
      long pid = Long.parseLong(Files.readString(mountPoint.resolve(OWNER_FILE)).strip());
      return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }
}
