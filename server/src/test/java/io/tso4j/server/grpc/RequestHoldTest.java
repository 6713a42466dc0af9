package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.ServingState;
import io.tso4j.core.ServingState.Status;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class RequestHoldTest {
  private final RequestHold hold = new RequestHold("n1", System::nanoTime);

  @Test
  void onlyStatesThisNodeExpectsToLeaveSoonAreWorthHolding() {
    assertThat(hold.worthHolding(state(Status.FENCING, "n1"))).as("fencing its own term").isTrue();
    assertThat(hold.worthHolding(state(Status.SERVING, "n1"))).as("a lapsed lease or window before FROZEN")
        .isTrue();
    assertThat(hold.worthHolding(state(Status.FROZEN, "n1"))).as("frozen until a renewal commits").isTrue();
    assertThat(hold.worthHolding(new ServingState(Status.NOT_SERVING, 4, Optional.empty())))
        .as("no leader known: an election is under way").isTrue();

    assertThat(hold.worthHolding(state(Status.NOT_SERVING, "n2"))).as("another node leads: go there").isFalse();
    assertThat(hold.worthHolding(state(Status.NOT_SERVING, "n1"))).as("leads but gave up its fence").isFalse();
    assertThat(hold.worthHolding(state(Status.FENCING, "n2"))).isFalse();
    assertThat(hold.worthHolding(state(Status.STOPPED, "n1"))).isFalse();
    assertThat(hold.worthHolding(state(Status.POISONED, "n1"))).isFalse();
  }

  @Test
  void theWaitIsTheSmallestOfTheClientsTheCapAndHalfTheDeadline() {
    assertThat(RequestHold.waitNanos(0, Long.MAX_VALUE)).as("0: refuse at once (older clients)").isZero();
    assertThat(RequestHold.waitNanos(300, Long.MAX_VALUE)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(RequestHold.waitNanos(60_000, Long.MAX_VALUE)).isEqualTo(RequestHold.MAX_WAIT.toNanos());
    assertThat(RequestHold.waitNanos(500, TimeUnit.MILLISECONDS.toNanos(200)))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(RequestHold.waitNanos(500, -5)).as("deadline already passed").isZero();
  }

  @Test
  void aHeldRequestIsTriedOnAStateChangeAndEndsWithALastTryWhenItsWaitIsOver() throws Exception {
    AtomicBoolean ready = new AtomicBoolean();
    CountDownLatch served = new CountDownLatch(1);
    assertThat(hold.hold(lastTry -> {
      if (ready.get()) {
        served.countDown();
        return true;
      }
      return false;
    }, TimeUnit.SECONDS.toNanos(5))).isTrue();
    assertThat(hold.heldCount()).isEqualTo(1);
    Thread.sleep(50);
    assertThat(served.getCount()).as("not ready: still held").isEqualTo(1);

    ready.set(true);
    hold.stateChanged();
    assertThat(served.await(5, TimeUnit.SECONDS)).isTrue();
    awaitEmpty();

    AtomicInteger lastTries = new AtomicInteger();
    long start = System.nanoTime();
    assertThat(hold.hold(lastTry -> {
      if (lastTry) {
        lastTries.incrementAndGet();
      }
      return false;
    }, TimeUnit.MILLISECONDS.toNanos(100))).isTrue();
    awaitEmpty();
    assertThat(lastTries.get()).as("exactly one last try, which ends it").isEqualTo(1);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
  }

  @Test
  void aFullHoldOrAZeroWaitHoldsNothing() {
    assertThat(hold.hold(lastTry -> true, 0)).isFalse();
    for (int i = 0; i < RequestHold.MAX_HELD; i++) {
      assertThat(hold.hold(lastTry -> false, TimeUnit.SECONDS.toNanos(5))).isTrue();
    }
    assertThat(hold.hold(lastTry -> false, TimeUnit.SECONDS.toNanos(5))).as("full").isFalse();
    assertThat(hold.heldCount()).isEqualTo(RequestHold.MAX_HELD);
  }

  private void awaitEmpty() throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (hold.heldCount() > 0 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertThat(hold.heldCount()).isZero();
  }

  private static ServingState state(Status status, String leader) {
    return new ServingState(status, 4, Optional.of(leader));
  }
}
