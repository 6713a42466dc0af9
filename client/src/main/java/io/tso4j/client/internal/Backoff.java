package io.tso4j.client.internal;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Full-jitter exponential backoff: the delay before round {@code n} is uniform in [0, ceiling(n)], where the ceiling
 * doubles from {@code base} up to {@code max} (Resilience4j {@link IntervalFunction}). Thread-safe.
 */
final class Backoff {
  private final IntervalFunction ceiling;

  Backoff(Duration base, Duration max) {
    this.ceiling = IntervalFunction.ofExponentialBackoff(base, 2.0, max);
  }

  /** The ceiling before round {@code round} (1 = after the first round), in milliseconds. */
  long ceilingMillis(int round) {
    return ceiling.apply(Math.max(1, round));
  }

  /** A random delay in [0, ceiling(round)] milliseconds. */
  long delayMillis(int round) {
    return ThreadLocalRandom.current().nextLong(ceilingMillis(round) + 1);
  }
}
