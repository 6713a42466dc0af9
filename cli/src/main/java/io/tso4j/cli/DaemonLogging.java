package io.tso4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

/**
 * The daemon's logging set-up, found by logback through {@code META-INF/services}: to stderr, INFO for tso4j
 * ({@code TSO4J_LOG_LEVEL}), WARN for Ratis ({@code TSO4J_RATIS_LOG_LEVEL}) and gRPC, ERROR for Ratis's per-append
 * failure logs (tso4j logs leadership and serving changes itself), and a repeated Ratis WARN/ERROR line at most once
 * per pattern every 10 s ({@link RepeatedLogThrottle}); once the command stops ({@link #stopping()}), none of the
 * Ratis lines that closing its servers causes ({@link ShutdownLogFilter}).
 *
 * <p>Set up in code rather than in a logback.xml: the XML configuration loaded some 300 classes (Joran, the JDK's
 * XML parser) and cost about 0.2 s of CPU of each node start (docs/operations.md, "Cold start"). A
 * {@code -Dlogback.configurationFile} or a {@code logback-test.xml} on the class path still wins: this configurator
 * then steps aside. Lines are {@link LogFormat#TEXT} (full date, level, thread, logger); {@code --log-format json}
 * swaps the encoder when the command starts ({@link #useFormat}), so the default start-up pays for JSON nothing.
 */
public final class DaemonLogging extends ContextAwareBase implements Configurator {
  /** The name of the stderr appender. */
  static final String APPENDER = "ERR";
  /** The stop filter of this configuration, if it is in force. */
  private static volatile ShutdownLogFilter shutdownFilter;

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || DaemonLogging.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(context);
    err.setName(APPENDER);
    err.setTarget("System.err");
    err.setEncoder(LogFormat.TEXT.encoder(context));
    err.start();
    level(context, "org.apache.ratis", System.getenv("TSO4J_RATIS_LOG_LEVEL"), Level.WARN);
    level(context, "org.apache.ratis.grpc.server.GrpcLogAppender", null, Level.ERROR);
    level(context, "org.apache.ratis.grpc.server.GrpcServerProtocolService", null, Level.ERROR);
    level(context, "io.grpc", null, Level.WARN);
    level(context, "io.tso4j", System.getenv("TSO4J_LOG_LEVEL"), Level.INFO);
    RepeatedLogThrottle throttle = new RepeatedLogThrottle();
    throttle.setContext(context);
    throttle.start();
    context.addTurboFilter(throttle);
    ShutdownLogFilter stop = new ShutdownLogFilter();
    stop.setContext(context);
    stop.start();
    context.addTurboFilter(stop);
    shutdownFilter = stop;
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(err);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Writes the stderr log in {@code format} from now on (nothing to do for {@link LogFormat#TEXT}, nor when another
   * configuration than this one is in force).
   */
  static void useFormat(LogFormat format) {
    if (format == LogFormat.TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    Appender<ILoggingEvent> a = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
    if (a instanceof ConsoleAppender<ILoggingEvent> err) {
      err.stop();
      err.setEncoder(format.encoder(ctx));
      err.start();
    }
  }

  /** The command stops its nodes on purpose: drop the Ratis lines that causes (if this configuration is in force). */
  static void stopping() {
    ShutdownLogFilter f = shutdownFilter;
    if (f != null) {
      f.stopping();
    }
  }

  private static void level(LoggerContext context, String logger, String value, Level dflt) {
    context.getLogger(logger).setLevel(Level.toLevel(value, dflt));
  }
}
