package io.tso4j.core;

/**
 * The one error type of a {@link ConsensusDriver}, classified by what the fence must do about it.
 *
 * <p>Kinds: {@link Kind#NOT_LEADER} and {@link Kind#FENCED} step the node down; {@link Kind#TRANSIENT} is retried
 * with bounded backoff; {@link Kind#PERMANENT} is fatal.
 */
public final class ConsensusException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; decides the fence's reaction. */
  public enum Kind {
    /** This node is not (or no longer) the leader. Step down and keep watching. */
    NOT_LEADER,
    /** The command's term is stale: a newer leader exists or the entry landed in another term. Step down. */
    FENCED,
    /** A failure that may pass (timeout, no quorum yet, I/O hiccup). Retry with backoff. */
    TRANSIENT,
    /** A failure that will not pass (corrupt state, closed driver, broken invariant). Fatal. */
    PERMANENT
  }

  private final Kind kind;

  /** A classified consensus error with a message. */
  public ConsensusException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** A classified consensus error with a message and a cause. */
  public ConsensusException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** The kind of failure. */
  public Kind kind() {
    return kind;
  }

  /** The message without the kind prefix. */
  public String reason() {
    return super.getMessage();
  }

  @Override
  public String getMessage() {
    return kind + ": " + super.getMessage();
  }
}
