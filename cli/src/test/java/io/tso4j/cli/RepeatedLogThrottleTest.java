package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Ratis log throttle on a real logback context: one line per pattern per interval, nothing else touched. */
final class RepeatedLogThrottleTest {
  private final AtomicLong ticks = new AtomicLong(1_000_000_000L);
  private final LoggerContext ctx = new LoggerContext();
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();

  RepeatedLogThrottleTest() {
    seen.setContext(ctx);
    seen.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(seen);
    RepeatedLogThrottle throttle = new RepeatedLogThrottle(ticks::get);
    throttle.setContext(ctx);
    throttle.start();
    ctx.addTurboFilter(throttle);
  }

  private long count(String fragment) {
    return seen.list.stream().filter(e -> e.getFormattedMessage().contains(fragment)).count();
  }

  @Test
  void aRatisErrorRepeatedPerAttemptShowsOncePerIntervalWithItsStackTrace() {
    Logger ratis = ctx.getLogger("org.apache.ratis.server.impl.RaftServerImpl");
    IOException full = new IOException("No space left on device");
    for (int i = 0; i < 50; i++) {
      ratis.error("{}: Failed appendEntries* {}", "n3@group-1", "n1->n3#" + i, full);
      ticks.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
    }
    assertThat(count("Failed appendEntries*")).as("5 s of attempts: the first only").isEqualTo(1);
    assertThat(seen.list.get(0).getThrowableProxy()).isNotNull();

    ticks.addAndGet(RepeatedLogThrottle.INTERVAL_NANOS);
    ratis.error("{}: Failed appendEntries* {}", "n3@group-1", "n1->n3#99", full);
    assertThat(count("Failed appendEntries*")).as("again after the interval").isEqualTo(2);
  }

  @Test
  void otherPatternsOtherLoggersAndLowerLevelsAreNeverThrottled() {
    Logger ratis = ctx.getLogger("org.apache.ratis.server.impl.RaftServerImpl");
    Logger tso = ctx.getLogger("io.tso4j.ratis.HighWaterStateMachine");
    for (int i = 0; i < 3; i++) {
      ratis.error("{}: Failed appendEntries* {}", "n3", i);
      ratis.warn("{}: another failure {}", "n3", i);
      ratis.info("{}: an info line {}", "n3", i);
      tso.error("[n3] cannot write snapshot {}", i);
    }
    assertThat(count("Failed appendEntries*")).isEqualTo(1);
    assertThat(count("another failure")).as("its own pattern: its own first line").isEqualTo(1);
    assertThat(count("an info line")).isEqualTo(3);
    assertThat(count("cannot write snapshot")).as("tso4j's own lines").isEqualTo(3);
  }
}
