package io.tso4j.core;

/**
 * The two clocks the server core reads: wall time for the physical part of timestamps, and a monotonic ticker for
 * leases, timeouts and backoff.
 *
 * <p>Injected everywhere so that tests can drive time by hand. Implementations must be thread-safe.
 */
public interface TsoClock {
  /** Wall-clock milliseconds since the Unix epoch; may jump in either direction. */
  long wallMillis();

  /** A monotonic ticker in nanoseconds with an arbitrary origin; never goes back. */
  long monoNanos();

  /** The system clocks: {@link System#currentTimeMillis()} and {@link System#nanoTime()}. */
  static TsoClock system() {
    return SystemClock.INSTANCE;
  }

  /** The system clocks, with the wall clock shifted by a fixed offset (fault injection: clock skew). */
  static TsoClock systemWithOffset(long wallOffsetMillis) {
    if (wallOffsetMillis == 0) {
      return system();
    }
    return new TsoClock() {
      @Override
      public long wallMillis() {
        return System.currentTimeMillis() + wallOffsetMillis;
      }

      @Override
      public long monoNanos() {
        return System.nanoTime();
      }
    };
  }

  /** The system clocks. */
  enum SystemClock implements TsoClock {
    INSTANCE;

    @Override
    public long wallMillis() {
      return System.currentTimeMillis();
    }

    @Override
    public long monoNanos() {
      return System.nanoTime();
    }
  }
}
