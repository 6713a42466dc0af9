package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** Durations read and print in the human form (200ms, 3s, 1m30s), never ISO-8601. */
final class DurationConverterTest {
  @Test
  void parsesTheHumanForms() {
    assertThat(DurationConverter.parse("200ms")).isEqualTo(Duration.ofMillis(200));
    assertThat(DurationConverter.parse("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(DurationConverter.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(DurationConverter.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(DurationConverter.parse("1s500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(DurationConverter.parse(" 0s ")).isEqualTo(Duration.ZERO);
    assertThat(DurationConverter.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
  }

  @Test
  void rejectsIsoGarbageAndMisorderedUnits() {
    for (String bad : new String[] {"PT3S", "3", "soon", "", "3 s", "1s1m", "1s1s", "-1s", "5min", "1.5s",
        "99999999999999999999h"}) {
      assertThatThrownBy(() -> DurationConverter.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class)
          .hasMessageContaining("'" + bad + "' is not a duration (e.g. 200ms, 3s, 1m30s, 2h)");
    }
  }

  @Test
  void printsTheHumanForm() {
    assertThat(DurationConverter.format(Duration.ofMillis(200))).isEqualTo("200ms");
    assertThat(DurationConverter.format(Duration.ofSeconds(3))).isEqualTo("3s");
    assertThat(DurationConverter.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(DurationConverter.format(Duration.ofMillis(1400))).isEqualTo("1s400ms");
    assertThat(DurationConverter.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(DurationConverter.format(Duration.ofMillis(-5))).isEqualTo("-5ms");
  }

  @Property(tries = 300)
  void formatThenParseIsIdentity(@ForAll @LongRange(min = 0, max = 400_000_000_000_000L) long nanos) {
    Duration d = Duration.ofNanos(nanos);
    String s = DurationConverter.format(d);
    assertThat(s).doesNotContain("PT");
    assertThat(DurationConverter.parse(s)).isEqualTo(d);
  }
}
