package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How the client reacts to each kind of answer, against fake servers on 127.0.0.1. */
final class TsoClientRetryTest {
  private static final long PHYSICAL = 1_700_000_000_000L;
  private static final Duration DEADLINE = Duration.ofMillis(1500);
  private static final Duration SLACK = Duration.ofMillis(1500);

  @Test
  void invalidArgumentFailsAtOnceWithoutRetrying() throws Exception {
    try (FakeOracle fake = new FakeOracle(req -> {
      throw Status.INVALID_ARGUMENT.withDescription("count must be in 1..262144, was 0").asRuntimeException();
    }); TsoClient client = client(fake.endpoint())) {
      assertThatThrownBy(client::getTimestamp)
          .isInstanceOf(TsoInvalidArgumentException.class).hasMessageContaining("was 0");
      assertThat(fake.calls()).isEqualTo(1);
    }
  }

  @Test
  void internalErrorFailsAtOnceAsPlainTsoException() throws Exception {
    try (FakeOracle fake = new FakeOracle(req -> {
      throw Status.INTERNAL.withDescription("internal error on n1 (NullPointerException)").asRuntimeException();
    }); TsoClient client = client(fake.endpoint())) {
      assertThatThrownBy(client::getTimestamp)
          .isExactlyInstanceOf(TsoException.class).hasMessageContaining("INTERNAL");
      assertThat(fake.calls()).isEqualTo(1);
    }
  }

  @Test
  void aServerThatNeverAnswersEndsInADeadlineError() throws Exception {
    try (FakeOracle silent = new FakeOracle(req -> null);
        TsoClient client = TsoClient.newBuilder().endpoints(silent.endpoint()).callTimeout(DEADLINE)
            .attemptTimeout(Duration.ofSeconds(10)).build()) {
      long start = System.nanoTime();

      assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoDeadlineExceededException.class);

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE.plus(SLACK));
    }
  }

  @Test
  void aSlowNodeIsLeftForTheNextAfterTheAttemptTimeout() throws Exception {
    try (FakeOracle silent = new FakeOracle(req -> null);
        FakeOracle good = new FakeOracle(FakeOracle.serving(1, PHYSICAL));
        TsoClient client = TsoClient.newBuilder().endpoints(silent.endpoint(), good.endpoint())
            .callTimeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofMillis(200)).build()) {
      assertThat(client.getTimestamp()).isEqualTo(Timestamp.of(PHYSICAL, 0));
      assertThat(silent.calls()).isEqualTo(1);
    }
  }

  @Test
  void aHintIsFollowedAtOnce() throws Exception {
    try (FakeOracle leader = new FakeOracle(FakeOracle.serving(2, PHYSICAL));
        FakeOracle follower = new FakeOracle(req -> {
          throw FakeOracle.unavailable("n1", leader.endpoint(), 2);
        });
        TsoClient client = client(follower.endpoint())) {
      assertThat(client.getTimestamp()).isEqualTo(Timestamp.of(PHYSICAL, 0));
      assertThat(client.getTimestamp()).isEqualTo(Timestamp.of(PHYSICAL + 1, 0));

      assertThat(follower.calls()).as("the second call goes to the cached leader").isEqualTo(1);
      assertThat(leader.calls()).isEqualTo(2);
    }
  }

  @Test
  void aHintWithALowerTermIsNotFollowed() throws Exception {
    assertThat(staleHintScenario(3).calls).as("term 3 < 5: ignored").isZero();
  }

  @Test
  void aHintWithAHigherTermIsFollowed() throws Exception {
    // The positive control of the test above.
    assertThat(staleHintScenario(6).calls).isEqualTo(1);
  }

  private record Outcome(int calls) {
  }

  /**
   * The client learns leader A in term 5 through follower F; A then goes away, and F starts pointing at B with
   * {@code hintTerm}. Returns how often B was called by the next call.
   */
  private Outcome staleHintScenario(long hintTerm) throws Exception {
    try (FakeOracle b = new FakeOracle(FakeOracle.serving(hintTerm, PHYSICAL + 1000));
        FakeOracle a = new FakeOracle(FakeOracle.serving(5, PHYSICAL));
        FakeOracle f = new FakeOracle(req -> {
          throw FakeOracle.unavailable("a", a.endpoint(), 5);
        });
        TsoClient client = client(f.endpoint())) {
      assertThat(client.getTimestamp().physicalMillis()).isEqualTo(PHYSICAL);
      a.stop();
      f.answerWith(req -> {
        throw FakeOracle.unavailable("b", b.endpoint(), hintTerm);
      });

      if (hintTerm > 5) {
        assertThat(client.getTimestamp().physicalMillis()).isEqualTo(PHYSICAL + 1000);
      } else {
        assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoUnavailableException.class);
      }
      return new Outcome(b.calls());
    }
  }

  private static TsoClient client(String... endpoints) {
    return TsoClient.newBuilder().endpoints(endpoints).callTimeout(DEADLINE).build();
  }
}
