package io.tso4j.client.internal;

/**
 * What the client believes about the leader: its term, and its id and endpoint if known (empty strings if not).
 * Immutable.
 */
record KnownLeader(long term, String id, String endpoint) {
  /** Nothing known yet: below every real term. */
  static final KnownLeader NONE = new KnownLeader(-1, "", "");

  KnownLeader {
    id = id == null ? "" : id;
    endpoint = endpoint == null ? "" : endpoint;
  }

  boolean hasEndpoint() {
    return !endpoint.isEmpty();
  }
}
