package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.Test;

/** Which follower of a lost leader stands for election: the newest log, then the smallest id. */
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
    assertThat(LeaderLossDetector.candidate(Map.of(N2, PeerLogService.EMPTY))).isEqualTo(N2);
    assertThatThrownBy(() -> LeaderLossDetector.candidate(Map.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLastEntryRoundTripsAndAReplyOfAnotherSizeIsRefused() {
    assertThat(PeerLogService.decode(PeerLogService.encode(ti(7, 123_456_789_012L)))).isEqualTo(ti(7, 123_456_789_012L));
    assertThat(PeerLogService.decode(PeerLogService.encode(PeerLogService.EMPTY))).isEqualTo(PeerLogService.EMPTY);
    assertThatThrownBy(() -> PeerLogService.decode(new byte[15])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PeerLogService.decode(new byte[PeerBytes.MAX_BYTES]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static TermIndex ti(long term, long index) {
    return TermIndex.valueOf(term, index);
  }
}
