package io.tso4j.testkit.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A real clock fault on a node process, from outside the JVM: libfaketime ({@code LD_PRELOAD}) reads an offset and a
 * rate from a file of this node's, at most {@value #REREAD_SECONDS} s old, and applies them to the process's clocks.
 *
 * <p>Only {@code CLOCK_REALTIME} is faked ({@code FAKETIME_DONT_FAKE_MONOTONIC=1}): offsets, steps and wall-clock
 * rates; leases and timeouts keep real time, as the correctness argument assumes. (libfaketime cannot run a JVM's
 * monotonic clock at a rate: the JVM's timed waits are not rescaled with it, measured: a 500 ms sleep took 500 ms of
 * real time while {@code System.nanoTime} ran 1.5×, so such a node would misbehave as no drifting machine does.)
 *
 * <p>Offsets only: libfaketime's rate mode ({@code x1.5} in the file) is not used, since nodes stalled for 15–40 s
 * in every run with a rate set (even 0.999×); a wall-clock rate is a drift of small steps instead
 * ({@link KernelFaults}). A change takes effect within {@value #REREAD_SECONDS} s (libfaketime's re-read).
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
  private long startNanos;
  private double anchorElapsedMillis;
  private double anchorShownMillis;

  /**
   * A clock control through {@code offsetFile}; {@code enabled} false (a run without clock faults) never preloads
   * libfaketime, which slows a JVM's start by seconds.
   */
  FakeClock(Path offsetFile, boolean enabled) throws IOException {
    this.library = enabled ? LIBRARIES.stream().filter(Files::isReadable).findFirst() : Optional.empty();
    this.offsetFile = offsetFile;
    replace(offsetFile, spec(0, 1.0));
  }

  /** Why clock faults cannot be used here (libfaketime not installed), or empty if they can. */
  static Optional<String> unavailableReason() {
    return LIBRARIES.stream().anyMatch(Files::isReadable) ? Optional.empty()
        : Optional.of("libfaketime not installed (Debian package faketime)");
  }

  /** Whether libfaketime is installed, so that a setting has an effect. */
  boolean available() {
    return library.isPresent();
  }

  /**
   * Sets up a node's environment for libfaketime (nothing if it is not installed) and notes the start of the process
   * (libfaketime's rates count from it). The file is reset to real time: a restarted node starts unfaked.
   */
  void applyTo(Map<String, String> env) throws IOException {
    if (library.isEmpty()) {
      return;
    }
    env.put("LD_PRELOAD", library.get().toString());
    env.put("FAKETIME_TIMESTAMP_FILE", offsetFile.toString());
    env.put("FAKETIME_CACHE_DURATION", Integer.toString(REREAD_SECONDS));
    env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    // Without this, libfaketime rewrites the JVM's monotonic timed waits (pthread_cond_timedwait) so that they
    // return at once: every parked thread spins, a 3-node cluster burns both cores and never elects a leader.
    env.put("FAKETIME_FORCE_MONOTONIC_FIX", "0");
    anchorElapsedMillis = 0;
    anchorShownMillis = 0;
    replace(offsetFile, spec(0, 1.0));
    startNanos = System.nanoTime();
  }

  /** Marks the start of the process (call right after it started: libfaketime's rates count from it). */
  void started() {
    startNanos = System.nanoTime();
  }

  /** Shifts the node's wall clock by {@code millis} at the real rate (a change is a step; 0 = real time). */
  void setOffsetMillis(long millis) throws IOException {
    double now = elapsedMillis();
    write(now, now + millis);
  }

  private void write(double atElapsed, double shown) throws IOException {
    anchorElapsedMillis = atElapsed;
    anchorShownMillis = shown;
    replace(offsetFile, spec(Math.round(shown - atElapsed), 1.0));
  }

  private double elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  /** How far this node's wall clock is ahead of real time now (by the settings, not read from the process). */
  double aheadMillis() {
    return anchorShownMillis - anchorElapsedMillis;
  }

  static String spec(long millis, double rate) {
    String s = (millis < 0 ? "-" : "+") + Math.abs(millis) / 1000 + "." + String.format(Locale.ROOT, "%03d",
        Math.abs(millis) % 1000);
    return (rate == 1.0 ? s : s + " x" + String.format(Locale.ROOT, "%.6f", rate)) + "\n";
  }

  /** Replaces a file's content atomically (by rename), so that a reader never sees it half-written. */
  static void replace(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
