package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.FenceAction.Log.Level;
import io.tso4j.core.OracleSimulation.Node;
import io.tso4j.core.RefusedException.Reason;
import io.tso4j.core.memory.InMemoryDriver;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every call refused with LEASE_EXPIRED is counted in exactly one freeze episode, and every episode that refused calls
 * has its FROZEN line and its summary (issue: a paused leader refused 51 calls and logged no FROZEN line; another
 * episode logged "0 calls refused" while it had refused 58). Deterministic: one node of an {@link OracleSimulation}
 * on a manual clock; a pause is time that passes without the leader watch running (as under SIGSTOP), while request
 * threads run first when it ends.
 */
final class FreezeAccountingTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long LEASE_MILLIS = OracleSimulation.LEASE.toMillis();
  private static final Pattern SUMMARY = Pattern.compile("freeze in term (\\d+) ended \\(([^)]*)\\) after \\d+ ms: "
      + "(\\d+) calls refused");

  private final OracleSimulation sim = new OracleSimulation();
  private Node n1;

  @BeforeEach
  void serve() {
    n1 = sim.node("n1", T0, new LeadershipEvent.Leader(2), FenceConfig.defaults());
    n1.start();
    for (int i = 0; i < 2_000 && !n1.serving(); i++) {
      sim.step();
    }
    assertThat(n1.serving()).as("n1 serves after its fence").isTrue();
    assertThat(n1.allocate(1)).isNotNull();
  }

  /** The leader watch does not run for {@code millis} (the allocator's clock moves on). */
  private void pause(long millis) {
    n1.clock.advance(millis);
  }

  /** {@code calls} calls that must be refused with {@code expected} (count 0 for INVALID_COUNT, else 1). */
  private void refuse(int calls, Reason expected) {
    int count = expected == Reason.INVALID_COUNT ? 0 : 1;
    for (int i = 0; i < calls; i++) {
      assertThat(n1.refusal(count)).as("call %d of %d", i + 1, calls).isEqualTo(expected);
    }
  }

  private void run(long millis) {
    for (long t = 0; t < millis; t++) {
      sim.step();
    }
  }

  private List<String> lines(Level level, String containing) {
    return n1.logs.stream().filter(l -> l.level() == level && l.message().contains(containing))
        .map(FenceAction.Log::message).toList();
  }

  /** The refusal counts of the summary lines, in order. */
  private List<Long> summaries() {
    return lines(Level.INFO, "freeze in term").stream().map(l -> {
      Matcher m = SUMMARY.matcher(l);
      assertThat(m.find()).as("a summary line: %s", l).isTrue();
      return Long.parseLong(m.group(3));
    }).toList();
  }

  @Test
  void refusalsBeforeTheWatchNoticesTheLapseBelongToTheEpisode() {
    pause(LEASE_MILLIS + 40);
    // Request threads run before the leader watch does when the pause ends.
    refuse(58, Reason.LEASE_EXPIRED);
    run(5);
    assertThat(lines(Level.WARN, "FROZEN in term 2")).hasSize(1);
    assertThat(n1.allocate(1)).as("renewed: serving again").isNotNull();
    run(FreezeEpisode.QUIET_NANOS / 1_000_000 + 50);
    assertThat(summaries()).containsExactly(58L);
    assertThat(n1.allocator.leaseRefusals()).isEqualTo(58);
  }

  @Test
  void aLapseThatTheWatchOnlyLearnsOfWithTheStepDownStillHasItsEpisode() {
    pause(LEASE_MILLIS + 40);
    refuse(51, Reason.LEASE_EXPIRED);
    // The first input the watch handles after the pause is the step-down: another node leads term 3.
    n1.driver.setLeadership(InMemoryDriver.follower(3, "n2"));
    n1.tick();
    refuse(5, Reason.NOT_SERVING);
    run(5);
    assertThat(lines(Level.WARN, "FROZEN in term 2")).as("the FROZEN line of the episode").hasSize(1);
    assertThat(summaries()).containsExactly(51L);
    assertThat(lines(Level.INFO, "freeze in term 2 ended (stepped down)")).hasSize(1);
    assertThat(sim.nodes.get(0).protocol.freezeEpisodes()).isEqualTo(1);
  }

  @Test
  void everyRefusalOfSeveralReasonsAcrossEpisodesIsCountedOnceAndTheStatsAgree() {
    refuse(3, Reason.INVALID_COUNT);
    // Episode 1: the lease lapses under load, the watch notices it late, renewals commit again.
    pause(LEASE_MILLIS + 30);
    refuse(20, Reason.LEASE_EXPIRED);
    run(3);
    assertThat(n1.allocate(1)).isNotNull();
    run(FreezeEpisode.QUIET_NANOS / 1_000_000 + 50);
    // Episode 2, right after the first one ended: lapses again, then another node takes over.
    pause(LEASE_MILLIS + 30);
    refuse(7, Reason.LEASE_EXPIRED);
    run(1);
    refuse(4, Reason.INVALID_COUNT);
    pause(LEASE_MILLIS + 30);
    refuse(9, Reason.LEASE_EXPIRED);
    n1.driver.setLeadership(InMemoryDriver.follower(3, "n2"));
    n1.tick();
    refuse(6, Reason.NOT_SERVING);
    run(5);

    assertThat(lines(Level.WARN, "FROZEN in term 2")).as("one FROZEN line per episode").hasSize(2);
    List<Long> counted = summaries();
    assertThat(counted).as("per episode").hasSize(2);
    assertThat(counted.stream().mapToLong(Long::longValue).sum()).as("every LEASE_EXPIRED refusal, once")
        .isEqualTo(36);
    assertThat(counted.get(0)).isEqualTo(20);
    assertThat(n1.allocator.leaseRefusals()).isEqualTo(36);
    assertThat(n1.allocator.refusals(Reason.LEASE_EXPIRED)).isEqualTo(36);
    assertThat(n1.allocator.refusals(Reason.INVALID_COUNT)).isEqualTo(3 + 4);
    assertThat(n1.allocator.refusals(Reason.NOT_SERVING)).isEqualTo(6);
    assertThat(n1.allocator.refusals(Reason.WINDOW_EXHAUSTED)).isZero();
    assertThat(n1.protocol.freezeEpisodes()).isEqualTo(2);
  }
}
