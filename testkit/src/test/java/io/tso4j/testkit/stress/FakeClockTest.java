package io.tso4j.testkit.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libfaketime file a {@link FakeClock} writes: offsets, rates from the process start, no step back. */
final class FakeClockTest {
  @TempDir
  Path dir;

  @Test
  void specsAreLibfaketimeRelativeOffsetsWithAnOptionalRate() {
    assertThat(FakeClock.spec(2_000, 1.0)).isEqualTo("+2.000\n");
    assertThat(FakeClock.spec(-2_500, 1.0)).isEqualTo("-2.500\n");
    assertThat(FakeClock.spec(3_600_000, 1.0)).isEqualTo("+3600.000\n");
    assertThat(FakeClock.spec(-10, 1.5)).isEqualTo("-0.010 x1.500000\n");
  }

  @Test
  void aWallOffsetIsWrittenAsIsAndResetToRealTime() throws Exception {
    Path f = dir.resolve("n1.faketime");
    FakeClock c = new FakeClock(f, false);
    c.setOffsetMillis(2_000);
    assertThat(Files.readString(f)).isEqualTo("+2.000\n");
    assertThat(c.aheadMillis()).isBetween(1_999.0, 2_001.0);
    c.setOffsetMillis(0);
    assertThat(Files.readString(f)).isEqualTo("+0.000\n");
  }

  @Test
  void aRateCountsFromNowNotFromTheProcessStartAndNeverStepsBack() throws Exception {
    Path f = dir.resolve("n3.faketime");
    FakeClock c = new FakeClock(f, false);
    c.started();
    Thread.sleep(200);
    c.setRate(1.5);
    // libfaketime shows elapsed × 1.5 + offset: the offset cancels the 0.5 × ~200 ms already elapsed.
    long offset = parseMillis(Files.readString(f));
    assertThat(offset).isBetween(-150L, -90L);
    assertThat(Files.readString(f)).endsWith(" x1.500000\n");
    Thread.sleep(200);
    double ahead = c.aheadMillis();
    assertThat(ahead).isBetween(90.0, 200.0);
    c.setRate(1.0);
    // Back to the real rate, anchored one re-read later: what 1.5x built up stays (plus the re-read delay's worth).
    assertThat(c.aheadMillis()).isGreaterThanOrEqualTo(ahead);
    assertThat(Files.readString(f)).doesNotContain(" x");
  }

  private static long parseMillis(String spec) {
    String s = spec.strip().split(" ")[0];
    double v = Double.parseDouble(s.substring(1)) * 1000;
    return Math.round(s.startsWith("-") ? -v : v);
  }
}
