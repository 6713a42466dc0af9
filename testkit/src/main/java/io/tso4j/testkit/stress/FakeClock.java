package io.tso4j.testkit.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real wall-clock fault on a node process, from outside the JVM: libfaketime ({@code LD_PRELOAD}) reads the offset
 * from a file of this node's, at most {@value #REREAD_SECONDS} s old, and shifts {@code CLOCK_REALTIME} by it. The
 * monotonic clock is left alone ({@code FAKETIME_DONT_FAKE_MONOTONIC=1}): leases and timeouts keep real time, as the
 * correctness argument assumes (docs/correctness.md).
 *
 * <p>Without libfaketime (Debian package {@code faketime}), or in a run without clock faults, {@link #available()} is
 * false; the nemesis then skips clock faults with a line that says so. Not thread-safe: driven by the nemesis thread.
 */
final class FakeClock {
  /** How often libfaketime re-reads the offset file. */
  static final int REREAD_SECONDS = 1;
  private static final List<Path> LIBRARIES = List.of(
      Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"),
      Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"),
      Path.of("/usr/lib/faketime/libfaketimeMT.so.1"));

  private final Optional<Path> library;
  private final Path offsetFile;
  private long offsetMillis;

  /**
   * A clock control through {@code offsetFile}; {@code enabled} false (a run without clock faults) never preloads
   * libfaketime, which slows a JVM's start by seconds.
   */
  FakeClock(Path offsetFile, boolean enabled) throws IOException {
    this.library = enabled ? LIBRARIES.stream().filter(Files::isReadable).findFirst() : Optional.empty();
    this.offsetFile = offsetFile;
    replace(offsetFile, spec(0));
  }

  /** Whether libfaketime is installed, so that {@link #setOffsetMillis} has an effect. */
  boolean available() {
    return library.isPresent();
  }

  /** Sets up a node's environment for libfaketime (nothing if it is not installed). */
  void applyTo(Map<String, String> env) {
    library.ifPresent(lib -> {
      env.put("LD_PRELOAD", lib.toString());
      env.put("FAKETIME_TIMESTAMP_FILE", offsetFile.toString());
      env.put("FAKETIME_CACHE_DURATION", Integer.toString(REREAD_SECONDS));
      env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
      // Without this, libfaketime rewrites the JVM's monotonic timed waits (pthread_cond_timedwait) so that they
      // return at once: every parked thread spins, a 3-node cluster burns both cores and never elects a leader.
      env.put("FAKETIME_FORCE_MONOTONIC_FIX", "0");
    });
  }

  /** Shifts the node's wall clock by {@code millis} (a change is a jump; 0 = real time). */
  void setOffsetMillis(long millis) throws IOException {
    offsetMillis = millis;
    replace(offsetFile, spec(millis));
  }

  /** The offset last set. */
  long offsetMillis() {
    return offsetMillis;
  }

  private static String spec(long millis) {
    return (millis < 0 ? "-" : "+") + Math.abs(millis) / 1000 + "." + String.format("%03d", Math.abs(millis) % 1000)
        + "\n";
  }

  /** Replaces a file's content atomically (by rename), so that a reader never sees it half-written. */
  static void replace(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
