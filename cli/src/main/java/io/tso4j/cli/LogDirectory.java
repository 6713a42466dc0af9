package io.tso4j.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Sends the daemon log to files in a directory ({@code --log-dir}) instead of stderr: {@code DIR/NAME.log}, rolled
 * daily and at {@value #MAX_FILE_MB} MB into {@code DIR/NAME-yyyy-MM-dd.i.log.gz}, {@value #DAYS_KEPT} days kept.
 */
final class LogDirectory {
  /** The size at which the current file is rolled. */
  static final int MAX_FILE_MB = 100;
  /** How many days of rolled files are kept. */
  static final int DAYS_KEPT = 14;

  private LogDirectory() {
  }

  /**
   * Replaces the console appenders of the root logger with a rolling file appender writing {@code dir/name.log} in
   * {@code format}.
   *
   * @throws CliException STARTUP if the directory cannot be created or written
   */
  static void use(Path dir, String name, LogFormat format) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CliException(ExitCodes.STARTUP, "--log-dir " + dir + " cannot be created: " + e.getMessage(), e);
    }
    if (!Files.isWritable(dir)) {
      throw new CliException(ExitCodes.STARTUP, "--log-dir " + dir + " is not writable");
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
      return; // Another logging backend (embedding): its configuration is not ours to change.
    }
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(ctx);
    file.setName("FILE");
    file.setFile(dir.resolve(name + ".log").toString());
    file.setEncoder(format.encoder(ctx));
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(ctx);
    policy.setParent(file);
    policy.setFileNamePattern(dir.resolve(name + "-%d{yyyy-MM-dd}.%i.log.gz").toString());
    policy.setMaxFileSize(FileSize.valueOf(MAX_FILE_MB + "MB"));
    policy.setMaxHistory(DAYS_KEPT);
    policy.start();
    file.setRollingPolicy(policy);
    file.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> a = it.next();
      if (a instanceof ConsoleAppender) {
        consoles.add(a);
      }
    }
    root.addAppender(file);
    for (Appender<ILoggingEvent> a : consoles) {
      root.detachAppender(a);
      a.stop();
    }
  }
}
