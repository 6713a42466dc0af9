package io.tso4j.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;

/**
 * How the daemon writes log lines ({@code --log-format}): {@code text}, one line per event with the full date, the
 * level, the thread and the logger, or {@code json}, one JSON object per line (logback's {@link JsonEncoder}: {@code
 * timestamp}, {@code level}, {@code threadName}, {@code loggerName}, {@code formattedMessage}, {@code mdc}, {@code
 * throwable}).
 */
enum LogFormat {
  /** The pattern {@link #PATTERN}. */
  TEXT,
  /** One JSON object per line. */
  JSON;

  /** The text pattern: {@code 2026-12-02T03:15:00.123+00:00 INFO  [main] TsoNode - [n1] ...}. */
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} - %msg%n";

  /** The option's default. */
  static final String DEFAULT = "text";

  /**
   * The format named {@code name} ({@code text} or {@code json}, any case).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  static LogFormat parse(String name) {
    for (LogFormat f : values()) {
      if (f.name().equalsIgnoreCase(name.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException("--log-format must be text or json, was '" + name + "'");
  }

  /** A started encoder of this format in {@code context}. */
  Encoder<ILoggingEvent> encoder(LoggerContext context) {
    if (this == JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(PATTERN);
    text.start();
    return text;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
