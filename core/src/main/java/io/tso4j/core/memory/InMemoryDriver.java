package io.tso4j.core.memory;

import io.tso4j.core.ConsensusDriver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LeadershipEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A consensus driver with no consensus: one high-water register in memory, and a leadership that tests set by hand.
 * For tests and benchmarks only; nothing survives the process.
 *
 * <p>It keeps the same rules as the replicated drivers: a write in a term other than the current leader term fails
 * with NOT_LEADER or FENCED, and the value only grows. Thread-safe.
 */
public final class InMemoryDriver implements ConsensusDriver {
  private final String id;
  private final Duration leaseDuration;
  private volatile Consumer<LeadershipEvent> listener = e -> { };
  private LeadershipEvent leadership;
  private long highWater;
  private long fencedTerm;
  private boolean closed;

  /** A driver that leads in term 1 from the start, with a 100 ms lease. */
  public InMemoryDriver(String id) {
    this(id, Duration.ofMillis(100), new LeadershipEvent.Leader(1));
  }

  /** A driver with the given lease and initial leadership. */
  public InMemoryDriver(String id, Duration leaseDuration, LeadershipEvent initial) {
    this.id = id;
    this.leaseDuration = leaseDuration;
    this.leadership = initial;
  }

  @Override
  public void start(Consumer<LeadershipEvent> listener) {
    this.listener = listener;
    listener.accept(currentLeadership());
  }

  /** Changes the leadership and pushes the event to the listener. */
  public void setLeadership(LeadershipEvent event) {
    synchronized (this) {
      leadership = event;
    }
    listener.accept(event);
  }

  /** The stored high-water mark. */
  public synchronized long highWater() {
    return highWater;
  }

  @Override
  public synchronized CompletableFuture<Long> loadHighWater(long term) {
    ConsensusException e = check(term);
    return e != null ? CompletableFuture.failedFuture(e) : CompletableFuture.completedFuture(highWater);
  }

  @Override
  public synchronized CompletableFuture<Long> persistHighWater(long atLeast, long term) {
    ConsensusException e = check(term);
    if (e != null) {
      return CompletableFuture.failedFuture(e);
    }
    fencedTerm = Math.max(fencedTerm, term);
    highWater = Math.max(highWater, atLeast);
    return CompletableFuture.completedFuture(highWater);
  }

  private ConsensusException check(long term) {
    if (closed) {
      return new ConsensusException(Kind.PERMANENT, "driver closed");
    }
    if (!(leadership instanceof LeadershipEvent.Leader)) {
      return new ConsensusException(Kind.NOT_LEADER, id + " is not the leader");
    }
    if (term != leadership.term() || term < fencedTerm) {
      return new ConsensusException(Kind.FENCED, "term " + term + " is not the current term "
          + leadership.term());
    }
    return null;
  }

  @Override
  public Duration leaseDuration() {
    return leaseDuration;
  }

  @Override
  public synchronized LeadershipEvent currentLeadership() {
    return closed ? new LeadershipEvent.Unknown(0) : leadership;
  }

  @Override
  public String localId() {
    return id;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "InMemoryDriver[" + id + "]";
  }

  /** A follower event with a leader hint (test convenience). */
  public static LeadershipEvent follower(long term, String leaderId) {
    return new LeadershipEvent.Follower(term, Optional.ofNullable(leaderId));
  }
}
