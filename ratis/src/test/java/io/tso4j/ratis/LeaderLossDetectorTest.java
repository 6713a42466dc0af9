package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.ratis.PeerLogService.PeerLog;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.Test;

/** Which follower of a lost leader stands for election: the newest log, then the longest-running, then the id. */
final class LeaderLossDetectorTest {
  private static final RaftPeerId N1 = RaftPeerId.valueOf("n1");
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");

  @Test
  void theNewestIndexStandsEvenIfItsIdRanksLast() {
    assertThat(LeaderLossDetector.candidate(Map.of(N1, ti(4, 366), N2, ti(4, 368)))).isEqualTo(N2);
  }

  @Test
  void aNewerTermBeatsAHigherIndex() {
    // n1 holds more entries of an old term that were never committed; n3 holds the newer term's entry.
    assertThat(LeaderLossDetector.candidate(Map.of(N1, ti(3, 900), N3, ti(4, 500)))).isEqualTo(N3);
  }

  @Test
  void equalLogsGoToTheSmallestId() {
    assertThat(LeaderLossDetector.candidate(Map.of(N3, ti(5, 10), N2, ti(5, 10), N1, ti(5, 9)))).isEqualTo(N2);
    assertThat(LeaderLossDetector.candidate(Map.of(N3, ti(5, 10), N1, ti(5, 10)))).isEqualTo(N1);
  }

  @Test
  void aLoneMemberStandsAndNoMemberIsAnError() {
    assertThat(LeaderLossDetector.candidate(Map.of(N2, new PeerLog(PeerLogService.EMPTY, 0)))).isEqualTo(N2);
    assertThatThrownBy(() -> LeaderLossDetector.candidate(Map.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void amongEqualLogsTheLongestRunningProcessStandsBeforeTheSmallestId() {
    // n1 restarted 2.5 s ago (its leader code is cold); n3 has run for a minute.
    assertThat(LeaderLossDetector.candidate(Map.of(N1, log(9, 4206, 62_500), N3, log(9, 4206, 2_000))))
        .isEqualTo(N3);
    assertThat(LeaderLossDetector.candidate(Map.of(N1, log(9, 4207, 62_500), N3, log(9, 4206, 2_000))))
        .as("the log still comes first").isEqualTo(N1);
  }

  @Test
  void aReplyRoundTripsAndAReplyOfAnotherSizeIsRefused() {
    PeerLog log = log(7, 123_456_789_012L, 1_796_293_000_000L);
    assertThat(PeerLogService.decode(PeerLogService.encode(log))).isEqualTo(log);
    PeerLog empty = new PeerLog(PeerLogService.EMPTY, 5);
    assertThat(PeerLogService.decode(PeerLogService.encode(empty))).isEqualTo(empty);
    assertThatThrownBy(() -> PeerLogService.decode(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PeerLogService.decode(new byte[PeerBytes.MAX_BYTES]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Logs of processes that all started at the same time, so that only the entry and the id rank them. */
  private static PeerLog ti(long term, long index) {
    return log(term, index, 1_000);
  }

  private static PeerLog log(long term, long index, long startedMillis) {
    return new PeerLog(TermIndex.valueOf(term, index), startedMillis);
  }
}
