package io.tso4j.server.grpc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The members of the cluster as this node knows them: node id → client (gRPC) endpoint {@code host:port}, plus the
 * id of the local node. An endpoint may be unknown (stored as the empty string).
 *
 * <p>Used to turn a leader id into an endpoint for leader hints and to answer GetMembers. Immutable and thread-safe;
 * iteration follows the order the members were given in.
 */
public final class MemberDirectory implements MemberSource {
  private final String localId;
  private final Map<String, String> endpoints;

  private MemberDirectory(String localId, Map<String, String> endpoints) {
    this.localId = localId;
    this.endpoints = endpoints;
  }

  /**
   * A directory of {@code endpoints} (id → {@code host:port}, or empty if unknown) for the node {@code localId}.
   *
   * @throws IllegalArgumentException if an id is blank, an endpoint is null, or localId is not a member
   */
  public static MemberDirectory of(String localId, Map<String, String> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    requireId(localId, "localId");
    Map<String, String> copy = new LinkedHashMap<>();
    endpoints.forEach((id, endpoint) -> {
      requireId(id, "member id");
      if (endpoint == null) {
        throw new IllegalArgumentException("endpoint of member " + id + " must not be null (use \"\" if unknown)");
      }
      copy.put(id, endpoint.strip());
    });
    if (!copy.containsKey(localId)) {
      throw new IllegalArgumentException("local id " + localId + " is not among the members " + copy.keySet());
    }
    return new MemberDirectory(localId, Collections.unmodifiableMap(copy));
  }

  /**
   * A directory of the members of a Raft configuration as {@code localId} sees it: like {@link #of}, but the local
   * node need not be a member (a node that was removed, or that joins and has not received the configuration yet).
   *
   * @throws IllegalArgumentException if an id is blank or an endpoint is null
   */
  public static MemberDirectory observedBy(String localId, Map<String, String> endpoints) {
    requireId(localId, "localId");
    Map<String, String> withLocal = new LinkedHashMap<>(endpoints);
    boolean member = withLocal.containsKey(localId);
    withLocal.putIfAbsent(localId, "");
    MemberDirectory d = of(localId, withLocal);
    if (member) {
      return d;
    }
    Map<String, String> copy = new LinkedHashMap<>(d.endpoints);
    copy.remove(localId);
    return new MemberDirectory(localId, Collections.unmodifiableMap(copy));
  }

  /** A directory with only the local node, whose endpoint may be empty if unknown. */
  public static MemberDirectory single(String localId, String endpoint) {
    return of(localId, Map.of(localId, endpoint == null ? "" : endpoint));
  }

  /** This directory: a fixed directory is its own source. */
  @Override
  public MemberDirectory current() {
    return this;
  }

  /** The id of the local node. */
  public String localId() {
    return localId;
  }

  /** The client endpoint of {@code id}, if it is a member and its endpoint is known. */
  public Optional<String> endpointOf(String id) {
    String e = endpoints.get(id);
    return e == null || e.isEmpty() ? Optional.empty() : Optional.of(e);
  }

  /** Whether {@code id} is a member. */
  public boolean contains(String id) {
    return endpoints.containsKey(id);
  }

  /** Every member: id → endpoint (empty if unknown), unmodifiable, in the order given. */
  public Map<String, String> members() {
    return endpoints;
  }

  /** A copy with the endpoint of {@code id} set (the member is added if new). */
  public MemberDirectory withEndpoint(String id, String endpoint) {
    Map<String, String> copy = new LinkedHashMap<>(endpoints);
    copy.put(id, endpoint);
    return of(localId, copy);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MemberDirectory && ((MemberDirectory) o).localId.equals(localId)
        && ((MemberDirectory) o).endpoints.equals(endpoints);
  }

  @Override
  public int hashCode() {
    return Objects.hash(localId, endpoints);
  }

  /** The local id and the members. */
  @Override
  public String toString() {
    return "MemberDirectory[local=" + localId + ", members=" + endpoints + "]";
  }

  private static void requireId(String id, String what) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank: " + (id == null ? "null" : "\"" + id + "\""));
    }
  }
}
