package io.tso4j.server.grpc;

import io.tso4j.core.ServingState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bounded replay log behind the serving-state watch: every published {@link ServingState} gets the next sequence
 * number (1, 2, 3, ... within one incarnation), and the newest {@code capacity} entries are kept for replay.
 *
 * <p>Add it as a listener of the oracle ({@code oracle.addListener(log)}) before the oracle starts; the current state
 * then becomes entry 1. Readers ask for the entries after a sequence number; if that point has been dropped from the
 * buffer they get {@link Optional#empty()} and must resynchronise (the watch sends RESYNC). Wake-ups go to registered
 * listeners after each append, outside the lock. Thread-safe.
 */
public final class ServingStateLog implements Consumer<ServingState> {
  /** The default number of entries kept for replay. */
  public static final int DEFAULT_CAPACITY = 256;

  /**
   * One logged change.
   *
   * @param sequence its sequence number (from 1)
   * @param state the published state
   * @param atUnixMillis when it was logged (wall clock)
   */
  public record Entry(long sequence, ServingState state, long atUnixMillis) {
  }

  private final int capacity;
  private final String incarnation;
  private final LongSupplier wallClock;
  private final ArrayDeque<Entry> buffer = new ArrayDeque<>();
  private final List<Runnable> wakeUps = new CopyOnWriteArrayList<>();
  private long nextSequence = 1;

  /** A log keeping {@link #DEFAULT_CAPACITY} entries, with a random incarnation id. */
  public ServingStateLog() {
    this(DEFAULT_CAPACITY);
  }

  /** A log keeping the newest {@code capacity} entries (at least 1), with a random incarnation id. */
  public ServingStateLog(int capacity) {
    this(capacity, UUID.randomUUID().toString(), System::currentTimeMillis);
  }

  /** A log with an explicit incarnation id and clock (tests). */
  public ServingStateLog(int capacity, String incarnation, LongSupplier wallClock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    }
    this.capacity = capacity;
    this.incarnation = Objects.requireNonNull(incarnation, "incarnation");
    this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
  }

  /** Appends {@code state} as the next entry and wakes the readers. */
  @Override
  public void accept(ServingState state) {
    synchronized (this) {
      buffer.addLast(new Entry(nextSequence++, state, wallClock.getAsLong()));
      while (buffer.size() > capacity) {
        buffer.removeFirst();
      }
    }
    for (Runnable r : wakeUps) {
      r.run();
    }
  }

  /** The id of this incarnation; sequence numbers compare only within one. */
  public String incarnation() {
    return incarnation;
  }

  /** How many entries are kept. */
  public int capacity() {
    return capacity;
  }

  /** The newest entry, if any. */
  public synchronized Optional<Entry> latest() {
    return Optional.ofNullable(buffer.peekLast());
  }

  /** The sequence number of the oldest entry still kept, or 0 if none. */
  public synchronized long oldestSequence() {
    Entry e = buffer.peekFirst();
    return e == null ? 0 : e.sequence();
  }

  /**
   * Up to {@code max} entries with a sequence number above {@code since}, oldest first; empty list if there is none
   * yet; {@link Optional#empty()} if some entry after {@code since} has already been dropped (the caller missed it).
   */
  public synchronized Optional<List<Entry>> after(long since, int max) {
    Entry first = buffer.peekFirst();
    if (first == null) {
      return Optional.of(List.of());
    }
    if (since + 1 < first.sequence()) {
      return Optional.empty();
    }
    List<Entry> out = new ArrayList<>(Math.min(max, buffer.size()));
    for (Entry e : buffer) {
      if (e.sequence() > since) {
        out.add(e);
        if (out.size() >= max) {
          break;
        }
      }
    }
    return Optional.of(out);
  }

  /** Registers a wake-up run after every append (must not block). */
  public void addWakeUp(Runnable r) {
    wakeUps.add(r);
  }

  /** Removes a wake-up. */
  public void removeWakeUp(Runnable r) {
    wakeUps.remove(r);
  }
}
