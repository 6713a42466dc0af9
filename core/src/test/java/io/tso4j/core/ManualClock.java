package io.tso4j.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link TsoClock} driven by hand: the test sets the wall clock and advances the monotonic ticker. */
final class ManualClock implements TsoClock {
  private final AtomicLong wall;
  private final AtomicLong mono = new AtomicLong(1_000_000_000L);

  ManualClock(long wallMillis) {
    this.wall = new AtomicLong(wallMillis);
  }

  @Override
  public long wallMillis() {
    return wall.get();
  }

  @Override
  public long monoNanos() {
    return mono.get();
  }

  /** Sets the wall clock (it may go back). */
  void setWall(long millis) {
    wall.set(millis);
  }

  /** Moves the wall clock alone by {@code deltaMillis} (either direction): a clock step. */
  void jumpWall(long deltaMillis) {
    wall.addAndGet(deltaMillis);
  }

  /** Lets {@code millis} of real time pass: both clocks move forward. */
  void advance(long millis) {
    wall.addAndGet(millis);
    mono.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  /** Moves the monotonic ticker alone (the wall clock stands still, e.g. slewed back by NTP). */
  void advanceMono(long millis) {
    mono.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  /** The monotonic time {@code millis} from now, for lease deadlines. */
  long monoIn(long millis) {
    return mono.get() + TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
