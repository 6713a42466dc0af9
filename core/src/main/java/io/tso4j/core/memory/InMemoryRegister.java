package io.tso4j.core.memory;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LoadedMark;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;

/**
 * The high-water register in memory, with the apply rules of the replicated one (tso4j-ratis {@code
 * HighWaterRegister}): a command of a term older than the newest fenced term is FENCED; an accepted command fences its
 * term; PERSIST stores max(mark, value), records the largest lease and ends a release; RELEASE raises the mark and
 * marks the lease released if the last lease-granting write was of its term; a value above {@link
 * Timestamp#MAX_PHYSICAL} is refused without changing anything. Several {@link InMemoryDriver}s may share one register
 * (simulated nodes of one cluster). Thread-safe.
 */
public final class InMemoryRegister {
  private long highWater;
  private long fencedTerm;
  private long largestLeaseNanos;
  private long lastLeaseTerm;
  private boolean released;

  /** An empty register. */
  public InMemoryRegister() {
  }

  /** Loads in {@code term}. */
  public synchronized LoadedMark load(long term) throws ConsensusException {
    checkTerm(term);
    fencedTerm = term;
    return new LoadedMark(highWater, Duration.ofNanos(largestLeaseNanos), released);
  }

  /** Persists {@code atLeast} in {@code term} with the proposer's lease; returns the stored mark. */
  public synchronized long persist(long atLeast, long term, Duration lease) throws ConsensusException {
    checkTerm(term);
    checkRange(atLeast);
    fencedTerm = term;
    highWater = Math.max(highWater, atLeast);
    largestLeaseNanos = Math.max(largestLeaseNanos, lease.toNanos());
    lastLeaseTerm = term;
    released = false;
    return highWater;
  }

  /** Releases the lease of {@code term}; returns the stored mark. */
  public synchronized long release(long term, long servedUpTo) throws ConsensusException {
    checkTerm(term);
    checkRange(servedUpTo);
    fencedTerm = term;
    highWater = Math.max(highWater, servedUpTo);
    if (lastLeaseTerm == term) {
      released = true;
    }
    return highWater;
  }

  /** The stored high-water mark. */
  public synchronized long highWater() {
    return highWater;
  }

  /** The newest term a command was accepted in. */
  public synchronized long fencedTerm() {
    return fencedTerm;
  }

  private void checkTerm(long term) throws ConsensusException {
    if (term < fencedTerm) {
      throw new ConsensusException(Kind.FENCED, "term " + term + " is older than the fenced term " + fencedTerm);
    }
  }

  /** A value above the timestamp limit is refused before anything changes (the proposer broke the fence's clamp). */
  private static void checkRange(long value) throws ConsensusException {
    if (value < 0 || value > Timestamp.MAX_PHYSICAL) {
      throw new ConsensusException(Kind.PERMANENT, "value " + value + " is outside the timestamp range [0, "
          + Timestamp.MAX_PHYSICAL + "]; the register is unchanged");
    }
  }

  @Override
  public synchronized String toString() {
    return "InMemoryRegister[highWater=" + highWater + ", fencedTerm=" + fencedTerm + ", largestLease="
        + largestLeaseNanos / 1_000_000 + " ms, released=" + released + "]";
  }
}
