package io.tso4j.bench;

import io.tso4j.bench.baseline.CounterCluster;
import java.util.concurrent.atomic.LongAdder;

/** The naive baseline as a benchmark target: every call is one Ratis write to a {@link CounterCluster}. Thread-safe. */
public final class CounterTarget implements BenchTarget {
  private final CounterCluster cluster;
  private final LongAdder calls = new LongAdder();

  /** A target over {@code cluster} (which the caller closes). */
  public CounterTarget(CounterCluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public String name() {
    return "ratis-counter";
  }

  @Override
  public void call(int count, Completion completion) {
    calls.increment();
    cluster.next(count).whenComplete((first, error) -> completion.done(first == null ? -1 : first, error));
  }

  @Override
  public Stats stats() {
    long n = calls.sum();
    return new Stats(n, n);
  }

  @Override
  public void close() {
    // The cluster belongs to the caller.
  }
}
