package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The two log formats: text lines with the full date and the thread, JSON lines that parse. */
final class LogFormatTest {
  /** The test's own logback context (it has the MDC adapter that events read). */
  private final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();

  private String encode(LogFormat format, String message, Object... args) {
    Logger logger = ctx.getLogger("io.tso4j.core.FenceProtocol");
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, null, args);
    event.setThreadName("tso4j-leader-watch-n1");
    Encoder<ILoggingEvent> encoder = format.encoder(ctx);
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  @Test
  void textLinesCarryTheFullDateTheLevelTheThreadAndTheLogger() {
    String line = encode(LogFormat.TEXT, "[{}] FROZEN in term {}", "n1", 7);
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) WARN  "
        + "\\[tso4j-leader-watch-n1] FenceProtocol - \\[n1] FROZEN in term 7\\R");
  }

  @Test
  void jsonLinesParseAndCarryLevelLoggerThreadAndMessage() {
    String line = encode(LogFormat.JSON, "[{}] said \"{}\" in term {}", "n1", "quote\nnewline", 7);
    assertThat(line.strip()).doesNotContain("\n");
    JsonObject json = JsonParser.parseString(line).getAsJsonObject();
    assertThat(json.get("level").getAsString()).isEqualTo("WARN");
    assertThat(json.get("loggerName").getAsString()).isEqualTo("io.tso4j.core.FenceProtocol");
    assertThat(json.get("threadName").getAsString()).isEqualTo("tso4j-leader-watch-n1");
    assertThat(json.get("formattedMessage").getAsString()).isEqualTo("[n1] said \"quote\nnewline\" in term 7");
    assertThat(json.get("timestamp").getAsLong()).isPositive();
  }

  @Test
  void theOptionTakesTextOrJsonInAnyCase() {
    assertThat(LogFormat.parse("json")).isEqualTo(LogFormat.JSON);
    assertThat(LogFormat.parse("TEXT")).isEqualTo(LogFormat.TEXT);
    assertThat(LogFormat.parse(LogFormat.DEFAULT)).isEqualTo(LogFormat.TEXT);
    assertThatThrownBy(() -> LogFormat.parse("xml")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--log-format must be text or json, was 'xml'");
  }
}
