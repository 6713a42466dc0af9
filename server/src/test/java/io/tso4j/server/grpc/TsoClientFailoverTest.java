package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.client.Member;
import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against real servers on 127.0.0.1: leader hints, failover, deadlines. */
final class TsoClientFailoverTest {
  private static final Duration SHORT_DEADLINE = Duration.ofMillis(1500);
  private static final Duration SLACK = Duration.ofMillis(1500);

  private TestNode leader;
  private TestNode follower;

  @BeforeEach
  void setUp() throws Exception {
    leader = TestNode.leader("n1");
    Map<String, String> members = new LinkedHashMap<>();
    members.put("n1", leader.endpoint());
    members.put("n2", "");
    follower = TestNode.follower("n2", 1, "n1", members);
  }

  @AfterEach
  void tearDown() {
    follower.close();
    leader.close();
    assertThat(leader.fatalErrors).isEmpty();
    assertThat(follower.fatalErrors).isEmpty();
  }

  @Test
  void followerFirstThenLeaderGetsIncreasingTimestamps() {
    try (TsoClient client = client(follower.endpoint(), leader.endpoint())) {
      Timestamp a = client.getTimestamp();
      TimestampRange r = client.getTimestamps(100);
      Timestamp b = client.getTimestampAsync().join();

      assertThat(r.first()).isGreaterThan(a);
      assertThat(r.count()).isEqualTo(100);
      assertThat(r.term()).isEqualTo(1);
      assertThat(b).isGreaterThan(r.last());
    }
  }

  @Test
  void followsTheLeaderHintToAnEndpointItWasNotGiven() {
    try (TsoClient client = client(follower.endpoint())) {
      Timestamp a = client.getTimestamp();
      Timestamp b = client.getTimestamp();

      assertThat(b).isGreaterThan(a);
      assertThat(leader.oracle.lastIssued()).isEqualTo(b.toLong());
    }
  }

  @Test
  void aHintWithoutAnEndpointCannotBeFollowed() throws Exception {
    // The positive control of the test above: a follower that knows the leader's id but not its endpoint.
    long issuedBefore = leader.oracle.lastIssued();
    try (TestNode blind = TestNode.follower("n3", 1, "n1", Map.of("n1", "", "n3", ""));
        TsoClient client = TsoClient.newBuilder().endpoints(blind.endpoint()).callTimeout(SHORT_DEADLINE).build()) {
      assertThatThrownBy(client::getTimestamp)
          .isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining(blind.endpoint()).hasMessageContaining("UNAVAILABLE").hasMessageContaining("n1");
    }
    assertThat(leader.oracle.lastIssued()).isEqualTo(issuedBefore);
  }

  @Test
  void failsOverFromAClosedPortToTheNextEndpoint() throws Exception {
    String down = Loopback.closedEndpoint();
    try (TsoClient client = client(down, leader.endpoint())) {
      List<Timestamp> got = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        got.add(client.getTimestamp());
      }

      assertThat(got).isSortedAccordingTo(Timestamp::compareTo).doesNotHaveDuplicates();
    }
  }

  @Test
  void everyEndpointDownFailsWithinTheDeadline() throws Exception {
    try (TsoClient client = TsoClient.newBuilder()
        .endpoints(Loopback.closedEndpoint(), Loopback.closedEndpoint())
        .callTimeout(SHORT_DEADLINE).build()) {
      long start = System.nanoTime();

      assertThatThrownBy(client::getTimestamp)
          .isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("no tso4j endpoint served within");
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isBetween(SHORT_DEADLINE.minusMillis(100), SHORT_DEADLINE.plus(SLACK));
    }
  }

  @Test
  void followersThatPointAtEachOtherDoNotLoopForever() throws Exception {
    // n3 and n4 name each other as leader in term 7: endless hints, but the call must end by its deadline.
    try (TestNode n3 = TestNode.follower("n3", 7, "n4", Map.of("n3", "", "n4", ""));
        TestNode n4 = TestNode.follower("n4", 7, "n3", Map.of("n3", "", "n4", ""))) {
      ForwardingService toN3 = new ForwardingService();
      ForwardingService toN4 = new ForwardingService();
      try (TsoGrpcServer s3 = new TsoGrpcServer("127.0.0.1", 0, toN3).start();
          TsoGrpcServer s4 = new TsoGrpcServer("127.0.0.1", 0, toN4).start()) {
        Map<String, String> members = Map.of("n3", s3.endpoint(), "n4", s4.endpoint());
        toN3.forwardTo(new TsoGrpcService(n3.oracle, MemberDirectory.of("n3", members)));
        toN4.forwardTo(new TsoGrpcService(n4.oracle, MemberDirectory.of("n4", members)));

        try (TsoClient client = TsoClient.newBuilder().endpoints(s3.endpoint()).callTimeout(SHORT_DEADLINE)
            .build()) {
          long start = System.nanoTime();

          assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoUnavailableException.class)
              .hasMessageContaining("leader is n");

          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT_DEADLINE.plus(SLACK));
        }
      }
    }
  }

  @Test
  void poisonedNodeIsSkippedForTheNextEndpoint() {
    TestNode poisoned = follower;
    poisoned.driver.setLeadership(new io.tso4j.core.LeadershipEvent.Leader(2));
    org.awaitility.Awaitility.await().atMost(TestNode.STARTUP).until(() -> poisoned.oracle.state().serving());
    poisoned.breakable.breakPermanently();
    org.awaitility.Awaitility.await().atMost(TestNode.STARTUP).until(() -> !poisoned.fatalErrors.isEmpty());

    try (TsoClient client = client(poisoned.endpoint(), leader.endpoint())) {
      assertThat(client.getTimestamps(3).count()).isEqualTo(3);
    }
    try (TsoClient alone = TsoClient.newBuilder().endpoints(poisoned.endpoint()).callTimeout(SHORT_DEADLINE)
        .build()) {
      long start = System.nanoTime();
      assertThatThrownBy(alone::getTimestamp).isInstanceOf(TsoUnavailableException.class)
          .hasMessageContaining("every endpoint is out of service").hasMessageContaining("poisoned");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT_DEADLINE);
    }
    poisoned.fatalErrors.clear();
  }

  @Test
  void getMembersReportsTheDirectoryOfTheNodeAsked() {
    try (TsoClient client = client(follower.endpoint())) {
      List<Member> members = client.getMembers();

      assertThat(members).containsExactly(new Member("n1", leader.endpoint()), new Member("n2", ""));
      assertThat(members.get(1).endpoint()).isEmpty();
    }
  }

  @Test
  void closingTheClientFailsCallsInFlight() throws Exception {
    TsoClient client = TsoClient.newBuilder().endpoints(Loopback.closedEndpoint())
        .callTimeout(Duration.ofSeconds(30)).build();
    CompletableFuture<Timestamp> pending = client.getTimestampAsync();

    client.close();

    assertThat(pending).failsWithin(Duration.ofSeconds(5))
        .withThrowableThat().withCauseInstanceOf(TsoUnavailableException.class)
        .withMessageContaining("closed");
    assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoException.class).hasMessageContaining("closed");
  }

  @Test
  void manyConcurrentCallsAllSucceedAndNeverRepeat() throws Exception {
    try (TsoClient client = client(follower.endpoint(), leader.endpoint())) {
      List<CompletableFuture<TimestampRange>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(client.getTimestampsAsync(1 + i % 5));
      }
      CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);

      List<Long> all = new ArrayList<>();
      for (CompletableFuture<TimestampRange> c : calls) {
        c.join().forEach(t -> all.add(t.toLong()));
      }
      assertThat(all).doesNotHaveDuplicates().hasSize(calls.stream().mapToInt(c -> c.join().count()).sum());
    }
  }

  private static TsoClient client(String... endpoints) {
    return TsoClient.newBuilder().endpoints(endpoints).callTimeout(Duration.ofSeconds(5)).build();
  }

}
