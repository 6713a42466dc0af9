package io.tso4j.ratis;

import java.util.Optional;

/**
 * A membership change or leadership transfer that did not happen, with why ({@link Reason}) and, when this node is
 * not the leader, the leader it knows of.
 */
public final class MembershipException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a change was refused. */
  public enum Reason {
    /** This node does not lead; ask the leader (see {@link #leaderId()}). */
    NOT_LEADER,
    /** The request contradicts the configuration (an id at another address, the last voter, an unknown target). */
    INVALID,
    /** The change did not complete in time (another change in progress, a learner that does not catch up). */
    TIMEOUT,
    /** Ratis refused it for another reason (named in the message). */
    FAILED
  }

  private final Reason reason;
  private final transient Optional<String> leaderId;

  /** A refusal for {@code reason} with a one-line message; {@code leaderId} may be null. */
  public MembershipException(Reason reason, String message, String leaderId) {
    super(message);
    this.reason = reason;
    this.leaderId = Optional.ofNullable(leaderId);
  }

  /** Why the change was refused. */
  public Reason reason() {
    return reason;
  }

  /** The leader this node knows of, for NOT_LEADER. */
  public Optional<String> leaderId() {
    return leaderId == null ? Optional.empty() : leaderId;
  }
}
