package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

/** The Raft properties a tso4j node runs with. */
final class RatisServerFactoryTest {
  private static RaftProperties props() {
    return RatisServerFactory.properties(RatisDriverConfig.builder().nodeId("n1").peer("n1", "127.0.0.1:7101")
        .dataDir(Path.of("unused")).build());
  }

  /**
   * Ratis parses the appender retry policy only when a node first leads (in each log appender); a string it cannot
   * parse would break replication then, so parse it here the way the appender does.
   */
  @Test
  void appenderRetryPolicyParsesAndReachesAShortSleepSoon() {
    String policy = RaftServerConfigKeys.Log.Appender.retryPolicy(props());
    assertThat(policy).isEqualTo(RatisServerFactory.APPENDER_RETRY_POLICY);
    MultipleLinearRandomRetry parsed = MultipleLinearRandomRetry.parseCommaSeparated(policy);
    assertThat(parsed).isNotNull();
    // After 50 failed appends (a peer down ~5 s), the leader retries within 150 ms (100 ms ± 50 % jitter), not 1 s.
    TimeDuration sleep = parsed.handleAttemptFailure(() -> 50).getSleepTime();
    assertThat(sleep.toLong(java.util.concurrent.TimeUnit.MILLISECONDS)).isBetween(50L, 150L);
    // Positive control: Ratis's default sleeps about 1 s at the same point.
    TimeDuration dflt = MultipleLinearRandomRetry.parseCommaSeparated(
        RaftServerConfigKeys.Log.Appender.RETRY_POLICY_DEFAULT).handleAttemptFailure(() -> 20).getSleepTime();
    assertThat(dflt.toLong(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThan(400L);
    assertThatThrownBy(() -> RetryPolicy.class.getMethod("parse", String.class, String.class)
        .invoke(null, "1ms,ten", "x")).hasCauseInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A new log segment (one per term change, on the path to "leader ready") is filled ahead by 128 KB, not by Ratis's
   * 4 MB, which its first sync wrote out in full.
   */
  @Test
  void logSegmentsArePreallocatedSmall() {
    assertThat(RaftServerConfigKeys.Log.preallocatedSize(props())).isEqualTo(SizeInBytes.valueOf("128KB"));
    assertThat(RaftServerConfigKeys.Log.PREALLOCATED_SIZE_DEFAULT.getSize()).as("Ratis's default")
        .isEqualTo(4L << 20);
  }

  /**
   * A leader that stepped down for lost heartbeats runs for election again after one election timeout, not after
   * Ratis's 10 s default: in rolling restarts it was often the only node that could win (the newest log), and the
   * group had no leader for 7–17 s (docs/reliability.md).
   */
  @Test
  void aLeaderThatLostItsMajorityMayRunAgainAfterOneElectionTimeout() {
    RaftProperties props = props();
    TimeDuration wait = RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(props);
    assertThat(wait).isEqualTo(RaftServerConfigKeys.Rpc.timeoutMax(props));
    assertThat(wait.compareTo(RaftServerConfigKeys.LeaderElection.LEADER_STEP_DOWN_WAIT_TIME_DEFAULT))
        .as("control: Ratis's default is 10 s").isNegative();
  }

  @Test
  void preVoteStaysOn() {
    assertThat(RaftServerConfigKeys.LeaderElection.preVote(props())).isTrue();
  }
}
