package io.tso4j.testkit.stress;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoOrderViolationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The clients of a stress run: {@code clients} threads, each with its own {@link TsoClient} (default settings: 5 s
 * call deadline with retries), calling {@code getTimestamps(1..4)} back to back (with a 0.5 ms pause) until the end
 * time, and recording every call in the {@link History}.
 *
 * <p>With {@code injectViolation} (the checker's positive control), one call of client 0 is recorded with the first
 * timestamp of a call that had completed before it was invoked, instead of its own result: a real-time order and a
 * uniqueness violation the checker must find.
 */
public final class Workload implements AutoCloseable {
  private static final int INJECT_AFTER = 300;

  private final List<String> endpoints;
  private final int clients;
  private final long endNanos;
  private final History history;
  private final boolean injectViolation;
  private final long seed;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<long[]> lastCompleted = new AtomicReference<>();
  private final LongAdder okTotal = new LongAdder();
  private final LongAdder failedCalls = new LongAdder();
  private final AtomicLong maxTerm = new AtomicLong();

  /** A workload against {@code endpoints} that runs until {@code endNanos} ({@link System#nanoTime()}). */
  public Workload(List<String> endpoints, int clients, long endNanos, History history, boolean injectViolation,
      long seed) {
    this.endpoints = List.copyOf(endpoints);
    this.clients = clients;
    this.endNanos = endNanos;
    this.history = history;
    this.injectViolation = injectViolation;
    this.seed = seed;
  }

  /** Starts the client threads. */
  public Workload start() {
    for (int c = 0; c < clients; c++) {
      int client = c;
      History.Recorder rec = history.newRecorder(client);
      Thread t = new Thread(() -> run(client, rec), "stress-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void run(int client, History.Recorder rec) {
    Random rnd = new Random(seed * 31 + client);
    boolean inject = injectViolation && client == 0;
    int okCalls = 0;
    try (TsoClient tso = TsoClient.newBuilder().endpoints(endpoints).build()) {
      while (!stop.get() && System.nanoTime() - endNanos < 0) {
        int n = 1 + rnd.nextInt(4);
        long[] before = lastCompleted.get();
        long invoked = System.nanoTime();
        try {
          TimestampRange r = tso.getTimestamps(n);
          long done = System.nanoTime();
          long first = r.first().toLong();
          int count = r.count();
          if (inject && ++okCalls == INJECT_AFTER && before != null) {
            first = before[0];
            count = 1;
          }
          rec.record(invoked, done, first, count, r.term(), History.Outcome.OK);
          okTotal.increment();
          maxTerm.accumulateAndGet(r.term(), Math::max);
          lastCompleted.set(new long[] {r.first().toLong(), r.last().toLong()});
        } catch (TsoOrderViolationException e) {
          rec.record(invoked, System.nanoTime(), -1, 0, 0, History.Outcome.ORDER_GUARD);
          failedCalls.increment();
        } catch (TsoException e) {
          rec.record(invoked, System.nanoTime(), -1, 0, 0, History.Outcome.FAILED);
          failedCalls.increment();
        }
        LockSupport.parkNanos(500_000);
      }
    }
  }

  /** Calls that returned a range so far (readable while running). */
  public long okCalls() {
    return okTotal.sum();
  }

  /** Calls that failed (or the order guard rejected) so far. */
  public long failedCalls() {
    return failedCalls.sum();
  }

  /** The highest term a call was answered in so far. */
  public long maxTerm() {
    return maxTerm.get();
  }

  /** Waits for the clients to finish (they stop by themselves at the end time). */
  public void awaitDone() throws InterruptedException {
    for (Thread t : threads) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime()) + 15_000);
      t.join(left);
    }
  }

  /** Stops the clients now and waits for them. */
  @Override
  public void close() {
    stopNow();
  }

  /** Stops the clients now (before the end time) and waits for them. */
  public void stopNow() {
    stop.set(true);
    try {
      for (Thread t : threads) {
        t.join(15_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
