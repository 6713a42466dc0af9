package io.tso4j.core;

import java.util.Optional;

/**
 * What the {@link FenceProtocol} asks its executor ({@link FenceEffects}) to do, in order. Driver calls complete
 * asynchronously and come back as {@link FenceInput}s with the same call id; every other action completes at once.
 */
sealed interface FenceAction {
  /** Load the register in {@code term}. */
  record Load(long call, long term) implements FenceAction {
  }

  /** Persist a mark of at least {@code atLeast} in {@code term}. */
  record Persist(long call, long term, long atLeast) implements FenceAction {
  }

  /** Release the lease of {@code term}; nothing served had a physical part above {@code servedUpTo}. */
  record Release(long call, long term, long servedUpTo) implements FenceAction {
  }

  /** Sample the clocks and read the driver's leadership; the answer comes back as {@link FenceInput.Polled}. */
  record PollLeadership() implements FenceAction {
  }

  /** Read the driver's leadership before opening {@code term}; the answer comes back as {@link FenceInput.Confirmed}. */
  record ConfirmLeadership(long term) implements FenceAction {
  }

  /**
   * Ask the driver to hand leadership to another member ({@link ConsensusDriver#yieldLeadership()}); this node stopped
   * serving first (its clock is suspect, C6).
   */
  record YieldLeadership(long term) implements FenceAction {
  }

  /** Raise the oracle time to at least {@code physicalMillis} ({@link OracleTime#raiseTo}). */
  record RaiseOracleTime(long physicalMillis) implements FenceAction {
  }

  /** Open the allocator ({@link TimestampAllocator#open}). */
  record OpenAllocator(long term, long floor, long limit, long leaseDeadlineNanos) implements FenceAction {
  }

  /**
   * Renew the allocator's window ({@link TimestampAllocator#renew}); if the renewal took (the window was still that
   * term's), publish {@code publishIfRenewed}.
   */
  record RenewAllocator(long term, long limit, long leaseDeadlineNanos, Optional<ServingState> publishIfRenewed)
      implements FenceAction {
  }

  /** Close the allocator ({@link TimestampAllocator#close}). */
  record CloseAllocator() implements FenceAction {
  }

  /** Publish a serving state. */
  record Publish(ServingState state) implements FenceAction {
  }

  /** Wake the protocol (with a {@link FenceInput.Tick}) at {@code monoNanos} unless an input comes first. */
  record WakeAt(long monoNanos) implements FenceAction {
  }

  /** Poison the oracle: the allocator refuses for good, then the fatal handler runs on a thread of its own. */
  record Poison(Throwable cause) implements FenceAction {
  }

  /** Log a line. */
  record Log(Level level, String message, Throwable cause) implements FenceAction {
    /** Log levels the protocol uses. */
    enum Level {
      DEBUG,
      INFO,
      WARN,
      ERROR
    }
  }

  /** A fence ended with {@code outcome}; a completed one carries its timings. */
  record FenceEnded(FenceOutcome outcome, Optional<FenceTimings> timings) implements FenceAction {
  }

  /** An extension the allocator asked for was committed {@code latencyNanos} after the request. */
  record WindowExtended(long latencyNanos) implements FenceAction {
  }

  /**
   * The answer to a {@link FenceInput.Handoff}: {@code renewed} if this node serves on a lease renewed just now (its
   * keep-alives are held back) that runs until {@code leaseDeadlineNanos}; false (and 0) if it does not serve or the
   * renewal failed.
   */
  record HandoffPrepared(boolean renewed, long leaseDeadlineNanos) implements FenceAction {
  }

  /** The protocol is done (stopped or poisoned); {@code released} says whether a lease release committed. */
  record Exit(boolean released) implements FenceAction {
  }
}
