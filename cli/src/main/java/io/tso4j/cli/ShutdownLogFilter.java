package io.tso4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Set;
import org.slf4j.Marker;

/**
 * Drops the Ratis WARN and ERROR lines that a deliberate stop causes, once the command has begun to stop: a node
 * whose Raft server is closing refuses the appends still in flight to it, and Ratis logs each refusal as an ERROR
 * with a stack trace ({@code Failed appendEntries* ... ServerNotReadyException: ... current state is CLOSING}); its
 * peers log the closed connection. Only lines whose exception (or a cause of it) is one of Ratis's "this server is
 * closing or closed" exceptions are dropped, and only after {@link #stopping()}; every other line, and every line
 * before the stop, passes. Thread-safe.
 */
final class ShutdownLogFilter extends TurboFilter {
  /** The simple names of the exceptions Ratis raises for a server that is closing or already closed. */
  static final Set<String> CLOSING = Set.of("ServerNotReadyException", "AlreadyClosedException");

  private volatile boolean stopping;

  /** From now on, drop the Ratis lines a stop causes. */
  void stopping() {
    stopping = true;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (!stopping || logger == null || level == null || !level.isGreaterOrEqual(Level.WARN)
        || !logger.getName().startsWith("org.apache.ratis")) {
      return FilterReply.NEUTRAL;
    }
    return closing(t != null ? t : lastThrowable(params)) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  /** slf4j takes a trailing Throwable argument as the line's exception. */
  private static Throwable lastThrowable(Object[] params) {
    return params != null && params.length > 0 && params[params.length - 1] instanceof Throwable e ? e : null;
  }

  static boolean closing(Throwable t) {
    for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
      if (CLOSING.contains(t.getClass().getSimpleName())) {
        return true;
      }
    }
    return false;
  }
}
