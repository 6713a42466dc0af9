package io.tso4j.testkit.cluster;

import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.testkit.stress.History;
import io.tso4j.testkit.stress.HistoryChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * One caller thread per oracle, asking for a timestamp continuously and recording every successful call (invoke and
 * completion time, range, term) in a {@link History}, for the {@link HistoryChecker}'s real-time-order check. Bounded
 * in time: every thread stops after {@code maxSeconds} even if {@link #stop()} is never called.
 */
final class OracleCallers implements AutoCloseable {
  private final History history = new History();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLongArray served;

  OracleCallers(List<TimestampOracle> oracles, int maxSeconds) {
    served = new AtomicLongArray(oracles.size());
    long hardStop = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    for (int i = 0; i < oracles.size(); i++) {
      TimestampOracle oracle = oracles.get(i);
      History.Recorder r = history.newRecorder(i);
      int caller = i;
      Thread t = new Thread(() -> {
        while (!stop.get() && System.nanoTime() - hardStop < 0) {
          long start = System.nanoTime();
          try {
            Grant g = oracle.allocate(1);
            r.record(start, System.nanoTime(), g.first(), g.count(), g.term(), History.Outcome.OK);
            served.incrementAndGet(caller);
            LockSupport.parkNanos(200_000);
          } catch (RefusedException e) {
            LockSupport.parkNanos(500_000);
          }
        }
      }, "caller-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /** Stops the callers and waits for them. */
  void stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(5_000);
    }
  }

  /** Stops the callers and checks what they recorded. */
  HistoryChecker.Result check() throws InterruptedException {
    stop();
    return HistoryChecker.check(history.snapshot());
  }

  /** How many calls of caller {@code i} succeeded so far (any time, while the callers run too). */
  long servedSoFar(int i) {
    return served.get(i);
  }

  /** How many calls of caller {@code i} succeeded (after {@link #stop()}). */
  long successes(int i) {
    History.Calls calls = history.snapshot();
    long n = 0;
    for (int k = 0; k < calls.size(); k++) {
      if (calls.client(k) == i && calls.outcome(k) == History.Outcome.OK) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
