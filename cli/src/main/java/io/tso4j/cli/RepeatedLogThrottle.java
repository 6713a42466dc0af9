package io.tso4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Marker;

/**
 * Lets one WARN or ERROR line of a Ratis logger through per message pattern and {@link #INTERVAL_NANOS}, and drops
 * the repeats in between. Ratis logs some failures once per attempt, each with a stack trace (a follower whose disk
 * is full: one {@code Failed appendEntries*} ERROR per append, several a second); tso4j says what is wrong once
 * itself (the state machine's "cannot write snapshot", the serving-state lines). The first line of every pattern
 * still shows, and again every interval while it goes on, so nothing is hidden for long. Other loggers, and INFO or
 * DEBUG lines (which only show when {@code TSO4J_RATIS_LOG_LEVEL} asks for them), are never throttled. Thread-safe.
 */
final class RepeatedLogThrottle extends TurboFilter {
  /** At most one line per pattern per this interval: 10 s. */
  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Patterns remembered at most; beyond it the table starts over (Ratis has a few dozen failure patterns). */
  static final int MAX_PATTERNS = 512;

  private final Map<String, Long> lastShown = new ConcurrentHashMap<>();
  private final LongSupplier ticker;

  RepeatedLogThrottle() {
    this(System::nanoTime);
  }

  /** A throttle on {@code ticker} (monotonic nanoseconds; tests pass their own). */
  RepeatedLogThrottle(LongSupplier ticker) {
    this.ticker = ticker;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger == null || level == null || !level.isGreaterOrEqual(Level.WARN)
        || !logger.getName().startsWith("org.apache.ratis") || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      return FilterReply.NEUTRAL;
    }
    String key = logger.getName() + '\u0000' + format;
    long now = ticker.getAsLong();
    if (lastShown.size() > MAX_PATTERNS) {
      lastShown.clear();
    }
    boolean[] show = new boolean[1];
    lastShown.compute(key, (k, last) -> {
      show[0] = last == null || now - last >= INTERVAL_NANOS;
      return show[0] ? now : last;
    });
    return show[0] ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
