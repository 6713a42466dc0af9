package io.tso4j.ratis;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import java.net.BindException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;

/** Maps Ratis failures onto {@link ConsensusException} kinds. Stateless. */
final class RatisErrors {
  private RatisErrors() {
  }

  /** Classifies a failure of a write submitted by node {@code id}. */
  static ConsensusException classify(String id, Throwable error) {
    Throwable t = unwrap(error);
    if (t instanceof ConsensusException) {
      return (ConsensusException) t;
    }
    if (t instanceof NotLeaderException || t instanceof LeaderNotReadyException
        || t instanceof LeaderSteppingDownException || t instanceof TransferLeadershipException) {
      return new ConsensusException(Kind.NOT_LEADER, id + ": " + describe(t), t);
    }
    if (t instanceof AlreadyClosedException || t instanceof GroupMismatchException) {
      return new ConsensusException(Kind.PERMANENT, id + ": " + describe(t), t);
    }
    // ResourceUnavailable, StateMachine, timeouts, retry failures, server not ready, other I/O: may pass.
    return new ConsensusException(Kind.TRANSIENT, id + ": " + describe(t), t);
  }

  /** The failure under CompletionException / ExecutionException wrappers. */
  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** Whether a bind failure (port in use) is anywhere in the cause chain. */
  static boolean isBindFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BindException || (c.getMessage() != null && c.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** The distinct messages along the cause chain, outermost first, with exception class names. */
  static String describe(Throwable t) {
    Set<String> parts = new LinkedHashSet<>();
    int depth = 0;
    for (Throwable c = t; c != null && depth < 10; c = c.getCause(), depth++) {
      if (c instanceof CompletionException || c instanceof ExecutionException) {
        continue;
      }
      String m = c.getMessage();
      parts.add(c.getClass().getSimpleName() + (m == null ? "" : ": " + m));
    }
    return String.join(" <- ", parts);
  }

  /** A PERMANENT startup failure wrapping {@code cause}. */
  static ConsensusException startup(String message, Throwable cause) {
    return new ConsensusException(Kind.PERMANENT, message + (cause == null ? "" : ": " + describe(cause)), cause);
  }
}
