package io.tso4j.bench;

import java.time.Duration;

/**
 * One benchmark run: how many callers, for how long, after how much warm-up, how many timestamps per call, and how
 * long to wait at the end for calls still out. Immutable.
 *
 * @param concurrency the number of callers, each with one call outstanding at a time (closed loop)
 * @param duration the measured time
 * @param warmup the time before measuring (results are order-checked but not counted)
 * @param count timestamps per call
 * @param drain the most the run waits after the measured time for calls still outstanding
 */
public record BenchConfig(int concurrency, Duration duration, Duration warmup, int count, Duration drain) {
  /** Validates the fields. */
  public BenchConfig {
    if (concurrency < 1 || concurrency > 100_000) {
      throw new IllegalArgumentException("--concurrency must be in 1..100000, was " + concurrency);
    }
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive, was " + duration);
    }
    if (warmup == null || warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must be >= 0, was " + warmup);
    }
    if (count < 1 || count > 262_144) {
      throw new IllegalArgumentException("--count must be in 1..262144, was " + count);
    }
    if (drain == null || drain.isNegative()) {
      throw new IllegalArgumentException("drain must be >= 0, was " + drain);
    }
  }
}
