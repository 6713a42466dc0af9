package io.tso4j.core.memory;

import io.tso4j.core.ConsensusDriver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.LoadedMark;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A consensus driver with no consensus: an {@link InMemoryRegister} (its own, or one shared by several drivers that
 * stand for the nodes of one simulated cluster), and a leadership that tests set by hand. For tests and benchmarks
 * only; nothing survives the process.
 *
 * <p>It keeps the same rules as the replicated drivers: a write in a term other than this driver's current leader term
 * fails with NOT_LEADER or FENCED, the value only grows, every persist carries this driver's lease, and a release
 * marks the lease released. Calls complete before they return. Thread-safe.
 */
public final class InMemoryDriver implements ConsensusDriver {
  private final String id;
  private final Duration leaseDuration;
  private final InMemoryRegister register;
  private volatile Consumer<LeadershipEvent> listener = e -> { };
  private LeadershipEvent leadership;
  private boolean closed;

  /** A driver that leads in term 1 from the start, with a 100 ms lease. */
  public InMemoryDriver(String id) {
    this(id, Duration.ofMillis(100), new LeadershipEvent.Leader(1));
  }

  /** A driver with the given lease and initial leadership, over a register of its own. */
  public InMemoryDriver(String id, Duration leaseDuration, LeadershipEvent initial) {
    this(id, leaseDuration, initial, new InMemoryRegister());
  }

  /** A driver with the given lease and initial leadership over {@code register} (which other drivers may share). */
  public InMemoryDriver(String id, Duration leaseDuration, LeadershipEvent initial, InMemoryRegister register) {
    this.id = id;
    this.leaseDuration = leaseDuration;
    this.leadership = initial;
    this.register = register;
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
  public long highWater() {
    return register.highWater();
  }

  /** The register underneath. */
  public InMemoryRegister register() {
    return register;
  }

  @Override
  public synchronized CompletableFuture<LoadedMark> loadHighWater(long term) {
    try {
      check(term);
      return CompletableFuture.completedFuture(register.load(term));
    } catch (ConsensusException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public synchronized CompletableFuture<Long> persistHighWater(long atLeast, long term) {
    try {
      check(term);
      return CompletableFuture.completedFuture(register.persist(atLeast, term, leaseDuration));
    } catch (ConsensusException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public synchronized CompletableFuture<Long> releaseLease(long term, long servedUpTo) {
    try {
      check(term);
      return CompletableFuture.completedFuture(register.release(term, servedUpTo));
    } catch (ConsensusException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void check(long term) throws ConsensusException {
    if (closed) {
      throw new ConsensusException(Kind.PERMANENT, "driver closed");
    }
    if (!(leadership instanceof LeadershipEvent.Leader)) {
      throw new ConsensusException(Kind.NOT_LEADER, id + " is not the leader");
    }
    if (term != leadership.term()) {
      throw new ConsensusException(Kind.FENCED, "term " + term + " is not the current term " + leadership.term());
    }
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
