package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.junit.jupiter.api.Test;

/** The stop filter on a real logback context: after the stop, only Ratis's "closing" complaints are dropped. */
final class ShutdownLogFilterTest {
  private final LoggerContext ctx = new LoggerContext();
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();
  private final ShutdownLogFilter filter = new ShutdownLogFilter();
  private final Logger ratis;
  private final Logger tso;

  ShutdownLogFilterTest() {
    seen.setContext(ctx);
    seen.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(seen);
    filter.setContext(ctx);
    filter.start();
    ctx.addTurboFilter(filter);
    ratis = ctx.getLogger("org.apache.ratis.server.RaftServer$Division");
    tso = ctx.getLogger("io.tso4j.server.TsoNode");
  }

  private void logTheStopNoise() {
    ServerNotReadyException closing = new ServerNotReadyException("n3@group-1 is not in [RUNNING]: current state is "
        + "CLOSING");
    ratis.error("{}: Failed appendEntries* {}", "n3@group-1", "n2->n3#949", closing);
    ratis.warn("{}: peer went away", "n3", new CompletionException(new AlreadyClosedException("n3 is closed")));
  }

  @Test
  void beforeTheStopEverythingPasses() {
    logTheStopNoise();
    assertThat(seen.list).hasSize(2);
  }

  @Test
  void afterTheStopRatisLinesAboutAClosingServerAreDropped() {
    filter.stopping();
    logTheStopNoise();
    assertThat(seen.list).isEmpty();
  }

  @Test
  void afterTheStopOtherLinesStillPass() {
    filter.stopping();
    ratis.error("{}: Failed to flush the log", "n3", new IOException("No space left on device"));
    ratis.warn("{}: no exception at all", "n3");
    tso.error("node failed", new ServerNotReadyException("not a Ratis logger: kept"));
    assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("n3: Failed to flush the log", "n3: no exception at all", "node failed");
  }
}
