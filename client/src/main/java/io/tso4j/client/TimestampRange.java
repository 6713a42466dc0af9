package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A contiguous range of timestamps handed out by one call: {@code first .. first + count - 1}, all inside one
 * physical millisecond, served by the leader of {@code term}.
 *
 * <p>Iterating yields the timestamps in ascending order. Instances are immutable and thread-safe.
 */
public final class TimestampRange implements Iterable<Timestamp> {
  private final Timestamp first;
  private final int count;
  private final long term;

  private TimestampRange(Timestamp first, int count, long term) {
    this.first = first;
    this.count = count;
    this.term = term;
  }

  /**
   * The range of {@code count} timestamps starting at {@code first}, served in {@code term}.
   *
   * @throws IllegalArgumentException if count is outside 1..262144, the range leaves the physical millisecond of
   *     {@code first}, or the term is negative
   * @throws NullPointerException if first is null
   */
  public static TimestampRange of(Timestamp first, int count, long term) {
    Objects.requireNonNull(first, "first");
    if (count < 1 || count > Timestamp.PER_MILLISECOND) {
      throw new IllegalArgumentException("count must be in 1.." + Timestamp.PER_MILLISECOND + ", was " + count);
    }
    if ((long) first.logical() + count - 1 > Timestamp.MAX_LOGICAL) {
      throw new IllegalArgumentException("range of " + count + " starting at logical " + first.logical()
          + " leaves its physical millisecond");
    }
    if (term < 0) {
      throw new IllegalArgumentException("term must not be negative: " + term);
    }
    return new TimestampRange(first, count, term);
  }

  /** The first (smallest) timestamp of the range. */
  public Timestamp first() {
    return first;
  }

  /** The last (largest) timestamp of the range. */
  public Timestamp last() {
    return get(count - 1);
  }

  /** How many timestamps the range holds, 1..262144. */
  public int count() {
    return count;
  }

  /** The Raft term of the leader that served the range. */
  public long term() {
    return term;
  }

  /**
   * The {@code index}-th timestamp of the range (0 is {@link #first()}).
   *
   * @throws IndexOutOfBoundsException if index is outside 0..count-1
   */
  public Timestamp get(int index) {
    Objects.checkIndex(index, count);
    return Timestamp.fromLong(first.toLong() + index);
  }

  /** Whether {@code t} lies inside this range. */
  public boolean contains(Timestamp t) {
    long v = t.toLong();
    return v >= first.toLong() && v <= first.toLong() + count - 1;
  }

  /** The timestamps in ascending order; the iterator does not support removal. */
  @Override
  public Iterator<Timestamp> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < count;
      }

      @Override
      public Timestamp next() {
        if (next >= count) {
          throw new NoSuchElementException();
        }
        return get(next++);
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TimestampRange)) {
      return false;
    }
    TimestampRange r = (TimestampRange) o;
    return r.first.equals(first) && r.count == count && r.term == term;
  }

  @Override
  public int hashCode() {
    return Objects.hash(first, count, term);
  }

  /** The first value, the count and the term. */
  @Override
  public String toString() {
    return "TimestampRange[first=" + first.toLong() + ", count=" + count + ", term=" + term + "]";
  }
}
