package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import org.junit.jupiter.api.Test;

/**
 * The daemon's logging set-up steps aside for a logback-test.xml (as here) or -Dlogback.configurationFile; its own
 * set-up is checked on the release archive by DistributionIT (the log file's lines).
 */
final class DaemonLoggingTest {
  @Test
  void aLogbackTestXmlOnTheClassPathWins() {
    assertThat(DaemonLogging.class.getClassLoader().getResource("logback-test.xml")).isNotNull();
    LoggerContext ctx = new LoggerContext();
    DaemonLogging c = new DaemonLogging();
    c.setContext(ctx);
    assertThat(c.configure(ctx)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
  }
}
