package io.tso4j.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A one-line progress display on a terminal, redrawn once a second in place: elapsed time, a caller-supplied status
 * and the rate of a counter since the start. Quiet (does nothing) when standard output is not a terminal, so logs and
 * {@code --json} output stay clean. One daemon thread while running. Public for the CLI's {@code tso4j stress}, which
 * shows its own status with it (the CLI may use the bench; the testkit may not, so the stress run only supplies the
 * status line).
 */
public final class ProgressLine {
  private static final long PERIOD_MILLIS = 1_000;

  private final PrintStream out;
  private final Supplier<String> status;
  private final LongSupplier counter;
  private Thread thread;
  private volatile boolean running;

  private ProgressLine(PrintStream out, Supplier<String> status, LongSupplier counter) {
    this.out = out;
    this.status = status;
    this.counter = counter;
  }

  /** A progress line on stderr if this JVM has a console, or one that does nothing. */
  public static ProgressLine forConsole(Supplier<String> status, LongSupplier counter) {
    return new ProgressLine(System.console() != null ? System.err : null, status, counter);
  }

  /** Starts redrawing (no-op without a terminal). */
  public void start() {
    if (out == null || running) {
      return;
    }
    running = true;
    long startNanos = System.nanoTime();
    long startCount = counter.getAsLong();
    thread = new Thread(() -> {
      while (running) {
        try {
          Thread.sleep(PERIOD_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = (counter.getAsLong() - startCount) / Math.max(seconds, 1e-3);
        out.print(String.format(Locale.ROOT, "\r\033[K%5.0fs  %s  (%,.0f/s)", seconds, status.get(), rate));
        out.flush();
      }
    }, "tso4j-progress");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops and clears the line. */
  public void stop() {
    if (thread == null) {
      return;
    }
    running = false;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.print("\r\033[K");
    out.flush();
    thread = null;
  }
}
