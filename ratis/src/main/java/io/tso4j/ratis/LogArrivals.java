package io.tso4j.ratis;

import java.util.OptionalLong;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * When entries reached this replica's Raft log, as far as frequent looks at the log's last entry can tell (F6c in
 * docs/correctness.md): a look at time {@code t} that finds the last entry {@code (T, j)} shows that every entry of
 * term {@code T} with an index up to {@code j} was in the log by {@code t}. Why: a replica holds entry {@code (T, j)}
 * only as leader {@code T} made it, after Raft's consistency check matched its log to that leader's up to {@code j}
 * (the log matching property), and a leader never changes its own entries; so the entry of term {@code T} at any
 * index {@code i <= j} was already there. A look finds nothing about an entry of another term (a look at {@code (T,
 * j)} says nothing of index {@code i}'s entry of term {@code T' != T}, which may have replaced, or been replaced by,
 * what was there).
 *
 * <p>The state machine uses it for the lease: an entry is in a log only after its proposer sent it, so the lease a
 * PERSIST granted (counted from its send) ends at the latest one lease, plus drift, after the first look that found
 * it here, which is sooner than its apply when the replica learns of the commit late (a follower learns that the
 * leader's last writes committed only from the next leader, when that one is ready: hundreds of milliseconds after
 * they arrived). Node-local readings of the monotonic clock that never enter the replicated state.
 *
 * <p>Keeps the last {@value #CAPACITY} distinct looks. Thread-safe.
 */
final class LogArrivals {
  /** How many distinct looks are kept (at one look per 10 ms, more than a second of history). */
  static final int CAPACITY = 256;

  private final long[] nanos = new long[CAPACITY];
  private final long[] terms = new long[CAPACITY];
  private final long[] indexes = new long[CAPACITY];
  private int next;
  private int size;

  /** Records that at {@code nowNanos} the log's last entry was {@code last} (null: an empty log, ignored). */
  synchronized void look(long nowNanos, TermIndex last) {
    if (last == null) {
      return;
    }
    if (size > 0) {
      int newest = (next - 1 + CAPACITY) % CAPACITY;
      if (terms[newest] == last.getTerm() && indexes[newest] == last.getIndex()) {
        return;
      }
    }
    nanos[next] = nowNanos;
    terms[next] = last.getTerm();
    indexes[next] = last.getIndex();
    next = (next + 1) % CAPACITY;
    size = Math.min(size + 1, CAPACITY);
  }

  /**
   * The time of the first kept look that shows the entry {@code (term, index)} in the log: its last entry was of
   * {@code term}, at {@code index} or later. Empty if no kept look shows it.
   */
  synchronized OptionalLong arrivedBy(long term, long index) {
    for (int k = 0; k < size; k++) {
      int i = (next - size + k + CAPACITY) % CAPACITY;
      if (terms[i] == term && indexes[i] >= index) {
        return OptionalLong.of(nanos[i]);
      }
    }
    return OptionalLong.empty();
  }

  /** Forgets every look (the log was replaced, e.g. by a snapshot install). */
  synchronized void clear() {
    size = 0;
    next = 0;
  }
}
