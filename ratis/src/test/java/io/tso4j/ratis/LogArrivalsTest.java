package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.Test;

/** F6c: which look at the log's end shows that an entry had arrived. */
final class LogArrivalsTest {
  private final LogArrivals arrivals = new LogArrivals();

  @Test
  void theFirstLookAtTheEntryOrALaterOneOfItsTermCounts() {
    arrivals.look(100, TermIndex.valueOf(3, 10));
    arrivals.look(200, TermIndex.valueOf(3, 12));
    arrivals.look(300, TermIndex.valueOf(3, 15));

    assertThat(arrivals.arrivedBy(3, 10)).hasValue(100);
    assertThat(arrivals.arrivedBy(3, 11)).as("index 11 was there by the look at 12").hasValue(200);
    assertThat(arrivals.arrivedBy(3, 15)).hasValue(300);
    assertThat(arrivals.arrivedBy(3, 16)).as("not seen yet").isEmpty();
  }

  @Test
  void aLookAtAnotherTermSaysNothingAboutAnEntry() {
    // Index 5 held an entry of term 1 that the leader of term 2 replaced: the look at (1, 5) is no proof that the
    // entry (2, 5) was there. A rule by index alone would answer 100 here: too early, so a wait too short.
    arrivals.look(100, TermIndex.valueOf(1, 5));
    arrivals.look(200, TermIndex.valueOf(2, 4));
    arrivals.look(300, TermIndex.valueOf(2, 5));

    assertThat(arrivals.arrivedBy(2, 5)).hasValue(300);
    assertThat(arrivals.arrivedBy(1, 5)).hasValue(100);
    assertThat(arrivals.arrivedBy(2, 3)).as("a term-2 entry below the first term-2 look").hasValue(200);
  }

  @Test
  void repeatedLooksKeepTheFirstTimeAndOldLooksAreForgotten() {
    arrivals.look(100, TermIndex.valueOf(1, 1));
    arrivals.look(150, TermIndex.valueOf(1, 1));
    assertThat(arrivals.arrivedBy(1, 1)).hasValue(100);

    for (int i = 2; i <= LogArrivals.CAPACITY + 1; i++) {
      arrivals.look(100L * i, TermIndex.valueOf(1, i));
    }
    assertThat(arrivals.arrivedBy(1, 1)).as("the first look was dropped; the oldest kept one still shows it")
        .hasValue(200);
    arrivals.look(999_999, null);
    arrivals.clear();
    assertThat(arrivals.arrivedBy(1, 2)).isEqualTo(OptionalLong.empty());
  }
}
