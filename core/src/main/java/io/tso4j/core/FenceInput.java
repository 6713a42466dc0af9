package io.tso4j.core;

/**
 * What the {@link FenceProtocol} reacts to: one input at a time, fed by the leader watch's loop together with the
 * time ({@link FenceProtocol.Now}). Driver replies carry the id of the call they answer; a reply to a call the
 * protocol no longer waits for (timed out, superseded) is ignored.
 */
sealed interface FenceInput {
  /** A leadership event pushed by the driver. */
  record Leadership(LeadershipEvent event) implements FenceInput {
  }

  /** The driver's leadership as read for a {@link FenceAction.PollLeadership} (the safety-net poll). */
  record Polled(LeadershipEvent seen) implements FenceInput {
  }

  /** The driver's leadership as read for a {@link FenceAction.ConfirmLeadership}, just before a fence opens. */
  record Confirmed(long term, LeadershipEvent seen) implements FenceInput {
  }

  /** A wake-up: some deadline the protocol asked for ({@link FenceAction.WakeAt}) may be due. */
  record Tick() implements FenceInput {
  }

  /** The allocator asks for a window extension (a keep-alive now). */
  record ExtensionRequested() implements FenceInput {
  }

  /**
   * Stop for good. With {@code release}, a serving leader first commits a lease release (waiting at most {@code
   * releaseTimeoutNanos} for it) so that the next leader may skip its lease wait.
   */
  record Stop(boolean release, long releaseTimeoutNanos) implements FenceInput {
  }

  /**
   * The peer view of this node's monotonic clock changed (C6): with {@code suspect}, a majority of the other voters
   * sees it run at another rate ({@code reason} says how), and this node must not serve; without, it agrees again.
   */
  record ClockVerdict(boolean suspect, String reason) implements FenceInput {
  }

  /**
   * Leadership is about to be handed to another node (graceful shutdown, H3): renew the lease now, then send no
   * keep-alive for up to {@code holdNanos} (one sent during the transfer would fail and step this node down before its
   * lease ends), and keep serving on that lease. Answered with {@link FenceAction.HandoffPrepared}.
   */
  record Handoff(long holdNanos) implements FenceInput {
  }

  /** A fatal error outside the protocol (an action failed in a way that breaks an invariant). */
  record Fatal(Throwable cause) implements FenceInput {
  }

  /** A load completed. */
  record Loaded(long call, LoadedMark mark) implements FenceInput {
  }

  /** A persist completed; {@code stored} is the mark after it. */
  record Persisted(long call, long stored) implements FenceInput {
  }

  /** A lease release completed; {@code stored} is the mark after it. */
  record Released(long call, long stored) implements FenceInput {
  }

  /** A driver call failed. */
  record Failed(long call, ConsensusException error) implements FenceInput {
  }

  /** The one tick instance. */
  Tick TICK = new Tick();
  /** The one extension-request instance. */
  ExtensionRequested EXTENSION = new ExtensionRequested();
}
