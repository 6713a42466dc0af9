package io.tso4j.client.internal;

/**
 * The client's one source of time: a monotonic nanosecond reading, {@link System#nanoTime()} by default. Every
 * deadline, round-trip estimate and backoff of the client reads it, so tests can drive time.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client} can pass one in. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Ticker {
  /** The system ticker, {@link System#nanoTime()}. */
  Ticker SYSTEM = System::nanoTime;

  /** The current reading in nanoseconds; only differences between readings mean anything. */
  long nanoTime();
}
