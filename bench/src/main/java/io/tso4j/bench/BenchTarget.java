package io.tso4j.bench;

/**
 * Something the benchmark asks for timestamps: the tso4j client, or the naive baseline. Implementations are
 * thread-safe and never block in {@link #call}.
 */
public interface BenchTarget extends AutoCloseable {
  /** What a call reports when it ends. */
  interface Completion {
    /** The call ended: with the first of {@code count} values, or with {@code error} (then first is -1). */
    void done(long first, Throwable error);
  }

  /**
   * Request counters of the target, for RPCs/s and batch sizes, and the first and the newest Raft term that served a
   * call so far ({@link #NO_TERM} for a target without terms, or before the first call).
   */
  record Stats(long rpcs, long callersInRpcs, long firstTerm, long newestTerm) {
    /** The terms of a target without terms. */
    public static final long NO_TERM = -1;

    /** Counters of a target without terms. */
    public Stats(long rpcs, long callersInRpcs) {
      this(rpcs, callersInRpcs, NO_TERM, NO_TERM);
    }
  }

  /** A short name for reports, e.g. {@code tso4j} or {@code ratis-counter}. */
  String name();

  /** Asks for {@code count} timestamps; {@code completion} runs once when the call ends (on any thread). */
  void call(int count, Completion completion);

  /** The request counters so far (cumulative). */
  Stats stats();

  /** Releases the target's resources (not the cluster it talks to). */
  @Override
  void close();
}
