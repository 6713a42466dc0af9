package io.tso4j.ratis;

import java.io.IOException;

/**
 * The refusal a write to the high-water register gets when it does not come from the node's own {@link RatisDriver}
 * (for example from a stock Ratis client that knows the group id): nothing is appended to the log.
 */
public final class ForeignProposerException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A refusal of a write from the Ratis client {@code clientId}. */
  public ForeignProposerException(String clientId) {
    super("only this node's tso4j driver may write to the high-water register; refused client " + clientId);
  }
}
