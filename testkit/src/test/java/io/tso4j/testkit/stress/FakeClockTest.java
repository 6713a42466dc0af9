package io.tso4j.testkit.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libfaketime file a {@link FakeClock} writes: relative offsets, reset to real time. */
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

}
