package io.tso4j.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs one closed-loop benchmark against a {@link BenchTarget}: {@code concurrency} callers, each with exactly one
 * asynchronous call outstanding (it issues the next call when the previous one ends), for warm-up plus the measured
 * time, then waits (bounded) for the calls still out. Latency goes into an HdrHistogram; every result goes through an
 * {@link OrderChecker}. After a failed call a caller pauses 1 ms, so an outage does not turn into a busy loop.
 * Bounded in time: at most warm-up + duration + drain. One use per instance.
 */
public final class BenchRun {
  private static final long ERROR_PAUSE_MICROS = 1_000;

  private final BenchTarget target;
  private final BenchConfig config;
  private final String label;
  private final Recorder latencies = new Recorder(3);
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder calls = new LongAdder();
  private final LongAdder completions = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final ProgressLine progress;
  private final OrderChecker checker;
  private final CountDownLatch stopped;
  private final ScheduledExecutorService pauses;
  private volatile boolean measuring;
  private volatile boolean running = true;

  /** A run of {@code config} against {@code target}, reported as {@code label}. */
  public BenchRun(BenchTarget target, BenchConfig config, String label) {
    this.target = target;
    this.config = config;
    this.label = label;
    this.checker = new OrderChecker(config.concurrency(), config.count());
    this.progress = ProgressLine.forConsole(() -> String.format(java.util.Locale.ROOT,
        "%s C=%d: %,d calls, %,d failed", label, config.concurrency(), completions.sum(), failures.sum()),
        completions::sum);
    this.stopped = new CountDownLatch(config.concurrency());
    this.pauses = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-pause");
      t.setDaemon(true);
      return t;
    });
  }

  /** The order checker (for tests). */
  OrderChecker checker() {
    return checker;
  }

  /** Runs the benchmark and returns its result; the target stays open. */
  public BenchResult run() throws InterruptedException {
    Caller[] callers = new Caller[config.concurrency()];
    for (int i = 0; i < callers.length; i++) {
      callers[i] = new Caller(i);
    }
    for (Caller c : callers) {
      c.issue();
    }
    progress.start();
    Thread.sleep(config.warmup().toMillis());
    latencies.getIntervalHistogram();
    calls.reset();
    errors.clear();
    BenchTarget.Stats before = target.stats();
    long start = System.nanoTime();
    measuring = true;
    Thread.sleep(config.duration().toMillis());
    measuring = false;
    long end = System.nanoTime();
    BenchTarget.Stats after = target.stats();
    Histogram h = latencies.getIntervalHistogram();
    long done = calls.sum();
    Map<String, Long> errs = new java.util.TreeMap<>();
    errors.forEach((k, v) -> errs.put(k, v.sum()));
    running = false;
    boolean drained = stopped.await(config.drain().toMillis(), TimeUnit.MILLISECONDS);
    pauses.shutdownNow();
    int unfinished = drained ? 0 : (int) stopped.getCount();
    progress.stop();
    long violations = drained ? checker.finish() : checker.violations();
    long rpcs = after.rpcs() - before.rpcs();
    long merged = after.callersInRpcs() - before.callersInRpcs();
    double seconds = (end - start) / 1e9;
    // The term serving when the measured time began; without a call before it, the first term that served one.
    long firstTerm = before.newestTerm() != BenchTarget.Stats.NO_TERM ? before.newestTerm() : after.firstTerm();
    return new BenchResult(label, config.concurrency(), config.count(), seconds, done, rpcs,
        rpcs == 0 ? 0 : (double) merged / rpcs, micros(h, 50), micros(h, 90), micros(h, 99), micros(h, 99.9),
        h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0, errs, violations, checker.firstViolation(),
        unfinished, checker.accepted(), checker.overlapChecked(), firstTerm, after.newestTerm());
  }

  private static double micros(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  /** One closed-loop caller. */
  private final class Caller implements BenchTarget.Completion {
    private final int id;
    private long startNanos;

    Caller(int id) {
      this.id = id;
    }

    void issue() {
      if (!running) {
        stopped.countDown();
        return;
      }
      checker.invoked(id);
      startNanos = System.nanoTime();
      try {
        target.call(config.count(), this);
      } catch (RuntimeException e) {
        done(-1, e);
      }
    }

    @Override
    public void done(long first, Throwable error) {
      long latency = System.nanoTime() - startNanos;
      boolean counted = measuring;
      if (error == null) {
        checker.accept(id, first);
        completions.increment();
        if (counted) {
          latencies.recordValue(latency);
          calls.increment();
        }
        issue();
        return;
      }
      if (counted) {
        latencies.recordValue(latency);
        errors.computeIfAbsent(kind(error), k -> new LongAdder()).increment();
      }
      failures.increment();
      try {
        pauses.schedule(this::issue, ERROR_PAUSE_MICROS, TimeUnit.MICROSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException ended) {
        stopped.countDown();
      }
    }
  }

  private static String kind(Throwable error) {
    Throwable t = error;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName();
  }
}
