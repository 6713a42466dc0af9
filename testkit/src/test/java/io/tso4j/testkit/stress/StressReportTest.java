package io.tso4j.testkit.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.testkit.stress.History.Outcome;
import io.tso4j.timestamp.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-kind figures, the per-fault rows, the skipped kinds and the JSON of a report, on a hand-made history. */
final class StressReportTest {
  private static final long MS = 1_000_000;

  private static long ts(long physical) {
    return physical << Timestamp.LOGICAL_BITS;
  }

  @Test
  void aLeaderPartitionWithAFailoverIsReportedPerKindAndInJson() {
    // Calls every 10 ms in term 1 until 1 s, none until 1.5 s, then term 2: a 500 ms gap after a fault at 1.0 s.
    History.Calls c = new History.Calls(400);
    long t = 0;
    long phys = 1_000;
    for (; t < 1_000 * MS; t += 10 * MS) {
      c.add(0, t, t + MS, ts(phys++), 1, 1, Outcome.OK);
    }
    c.add(1, 1_000 * MS, 1_400 * MS, -1, 0, 0, Outcome.FAILED);
    for (t = 1_500 * MS; t < 3_000 * MS; t += 10 * MS) {
      c.add(0, t, t + MS, ts(phys++), 1, 2, Outcome.OK);
    }
    HistoryChecker.Result check = HistoryChecker.check(c);
    FaultEvent e = new FaultEvent(FaultKind.NET_PARTITION, "n1", true, 1, 1_000 * MS, 1_200 * MS, "isolate leader",
        "isolated 200 ms, 42 packets dropped");
    StressOptions o = new StressOptions(StressOptions.Scenario.NEMESIS, Duration.ofSeconds(5), 7, 1,
        EnumSet.of(FaultKind.NET_PARTITION, FaultKind.DISK_FULL), false, Path.of("/tmp/none"));
    StressReport r = StressReport.of(o, c, check, List.of(e), List.of(),
        Map.of(FaultKind.DISK_FULL, "not root"));

    assertThat(check.ok()).isTrue();
    StressReport.KindStats k = r.kinds().get(0);
    assertThat(k.kind()).isEqualTo(FaultKind.NET_PARTITION);
    assertThat(k.count()).isEqualTo(1);
    assertThat(k.failoverMillis()).containsExactly(501L);
    assertThat(k.longestGapMillis()).isBetween(505L, 515L);
    // Window 1.0 s .. 1.2 s + 3 s recovery, clipped to the end of the calls (3.0 s): ~0.5 s of ~2 s down.
    assertThat(k.availability()).isBetween(0.70, 0.85);
    assertThat(k.failedCalls()).isEqualTo(1);
    assertThat(r.faults().get(0).failoverMillis()).isEqualTo(501L);
    assertThat(r.format()).contains("SKIPPED disk_full: not root").contains("| net_partition | 1 |");
    assertThat(r.toJson()).contains("\"skipped\":{\"disk_full\":\"not root\"}")
        .contains("\"kind\":\"net_partition\",\"count\":1").contains("\"p50\":501")
        .contains("\"note\":\"isolated 200 ms, 42 packets dropped\"");
  }

  @Test
  void aHandoffReportsBothTheTimeToTheNewTermAndTheUnavailabilityItCaused() {
    // SIGTERM at 1.0 s; the old leader serves until 1.2 s (H3), nothing until 1.35 s, then term 2.
    History.Calls c = new History.Calls(400);
    long phys = 1_000;
    for (long t = 0; t < 1_200 * MS; t += 10 * MS) {
      c.add(0, t, t + MS, ts(phys++), 1, 1, Outcome.OK);
    }
    for (long t = 1_350 * MS; t < 2_000 * MS; t += 10 * MS) {
      c.add(0, t, t + MS, ts(phys++), 1, 2, Outcome.OK);
    }
    HistoryChecker.Result check = HistoryChecker.check(c);
    FaultEvent e = new FaultEvent(FaultKind.GRACEFUL_RESTART, "n1", true, 1, 1_000 * MS, 1_500 * MS, "exit 0");
    StressOptions o = new StressOptions(StressOptions.Scenario.ROLLING_RESTART, Duration.ofSeconds(5), 1, 1,
        EnumSet.of(FaultKind.GRACEFUL_RESTART), false, Path.of("/tmp/none"));

    StressReport r = StressReport.of(o, c, check, List.of(e), List.of(), Map.of());

    assertThat(r.handoffMillis()).containsExactly(351L);
    assertThat(r.handoffGapMillis()).as("1.191 s (last success) to 1.351 s (first of term 2)").containsExactly(160L);
    assertThat(r.format()).contains("handoff unavailability").contains("p50=160 ms");
    assertThat(r.toJson()).contains("\"handoffGapMillis\":{\"n\":1,\"p50\":160");
  }

  @Test
  void theLongestGapBetweenCountsFromTheLastCompletionBeforeTheStart() {
    List<Long> t = List.of(10L, 20L, 100L, 130L, 400L);
    assertThat(StressReport.longestGapBetween(t, 25, 130)).isEqualTo(80);
    assertThat(StressReport.longestGapBetween(t, 20, 400)).isEqualTo(270);
    assertThat(StressReport.longestGapBetween(t, 5, 20)).isEqualTo(10);
    assertThat(StressReport.longestGapBetween(t, 500, 600)).isZero();
  }

  @Test
  void violationsAreAttributedToTheFaultWindowTheyFellIn() {
    History.Calls c = new History.Calls(3);
    c.add(0, 0, 10 * MS, ts(100), 1, 1, Outcome.OK);
    c.add(0, 5_000 * MS, 5_010 * MS, ts(200), 1, 1, Outcome.OK);
    c.add(1, 5_100 * MS, 5_110 * MS, ts(150), 1, 2, Outcome.OK); // stale: a real-time violation at 5.1 s
    HistoryChecker.Result check = HistoryChecker.check(c);
    FaultEvent early = new FaultEvent(FaultKind.CLOCK_FAKETIME, "n1", false, 1, 0, 100 * MS, "WALL_PLUS_2S", "");
    FaultEvent late = new FaultEvent(FaultKind.CLOCK_FAKETIME, "n3", false, 1, 5_000 * MS, 5_050 * MS,
        "RATE_FAST_BEYOND_BOUND", "");
    StressOptions o = new StressOptions(StressOptions.Scenario.NEMESIS, Duration.ofSeconds(5), 7, 1,
        EnumSet.of(FaultKind.CLOCK_FAKETIME), false, Path.of("/tmp/none"));
    StressReport r = StressReport.of(o, c, check, List.of(early, late), List.of(), Map.of());
    assertThat(check.realTimeViolations()).isEqualTo(1);
    assertThat(r.faults().get(0).violations()).isZero();
    assertThat(r.faults().get(1).violations()).isEqualTo(1);
    assertThat(r.format()).contains("wall 1.5x on a follower + leader cut off (beyond the slew bound): ORDER BROKEN, 1 violations")
        .contains("wall +2 s (within the slew bound): order held");
  }

  @Test
  void restartSamplesArePrintedPerVariantWithTheRatioOfMedians() {
    History.Calls c = new History.Calls(10);
    for (int i = 0; i < 10; i++) {
      c.add(0, i * 100 * MS, i * 100 * MS + MS, ts(1_000 + i), 1, 1, Outcome.OK);
    }
    HistoryChecker.Result check = HistoryChecker.check(c);
    StressOptions o = new StressOptions(StressOptions.Scenario.RESTART, Duration.ofSeconds(60), 1, 1, EnumSet.noneOf(
        FaultKind.class), false, Path.of("/tmp/none"));
    List<RestartSample> s = List.of(
        new RestartSample("n1", true, true, 900, 1_000, 2, 5, 300, 600, 800, 950, 1_500),
        new RestartSample("n2", false, true, 1_100, 1_200, 2, 5, 300, 600, 800, 950, 1_500),
        new RestartSample("n1", true, false, 1_800, 2_000, 3, 5, 400, 1_200, 1_600, 1_900, 2_500),
        new RestartSample("n2", false, false, 2_200, -1, 0, 5, 400, 1_200, 1_600, -1, -1));
    StressReport r = StressReport.of(o, c, check, List.of(), List.of(), Map.of(), s, "an archive written for this run");

    assertThat(o.cds()).isEqualTo(StressOptions.Cds.BOTH);
    assertThat(o.nodeJvm()).isEqualTo(StressOptions.NodeJvm.RELEASE);
    assertThat(r.format())
        .contains("| with CDS | 2 | 900 / 1100 / 1100 ms | 1000 / 1200 / 1200 ms | 0 | 1500 / 1500 ms |")
        .contains("| without CDS | 2 | 1800 / 2200 / 2200 ms | 2000 / 2000 / 2000 ms | 1 | 2500 / 2500 ms |")
        .contains("client port answering 2.00x, following 2.00x");
    assertThat(r.toJson()).contains("\"withCds\":{\"n\":2,\"notFollowing\":0,\"answerMillis\":{\"n\":2,\"p50\":900")
        .contains("\"ratioFollowP50\":2.0").contains("\"node\":\"n2\",\"wasLeader\":false,\"cds\":false");
  }
}
