package io.tso4j.client;

import java.util.Objects;
import java.util.Optional;

/**
 * One node of a tso4j cluster as reported by a server: its id and, if known, its client (gRPC) endpoint
 * {@code host:port}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Member {
  private final String id;
  private final String endpoint;

  /**
   * A member with an id and an endpoint; an empty endpoint means unknown.
   *
   * @throws NullPointerException if id or endpoint is null
   */
  public Member(String id, String endpoint) {
    this.id = Objects.requireNonNull(id, "id");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
  }

  /** The node id (for example {@code "n1"}). */
  public String id() {
    return id;
  }

  /** The node's client endpoint {@code host:port}, or empty if the server does not know it. */
  public Optional<String> endpoint() {
    return endpoint.isEmpty() ? Optional.empty() : Optional.of(endpoint);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Member && ((Member) o).id.equals(id) && ((Member) o).endpoint.equals(endpoint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, endpoint);
  }

  /** The id and the endpoint. */
  @Override
  public String toString() {
    return id + "@" + (endpoint.isEmpty() ? "?" : endpoint);
  }
}
