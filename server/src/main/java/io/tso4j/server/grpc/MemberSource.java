package io.tso4j.server.grpc;

/**
 * Where the services read the members of the cluster from: a fixed {@link MemberDirectory} (which is its own source)
 * or one that follows the committed Raft configuration. {@link #current()} is called on every use, so an
 * implementation must be cheap and thread-safe.
 */
@FunctionalInterface
public interface MemberSource {
  /** The members as of now. */
  MemberDirectory current();
}
