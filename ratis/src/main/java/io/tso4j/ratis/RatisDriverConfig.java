package io.tso4j.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The configuration of a {@link RatisDriver} that owns its Ratis server. Immutable; validated eagerly (an {@link
 * IllegalArgumentException} names the bad value). Build one with {@link #builder()}.
 *
 * @param nodeId this node's id; must be one of the peers
 * @param peers every member, in a fixed order: id → Raft address {@code host:port}
 * @param dataDir where Ratis keeps the log, metadata and snapshots of this node
 * @param rpcTimeoutMin the smallest election timeout (also the base of the lease)
 * @param rpcTimeoutMax the largest election timeout
 * @param groupId the Raft group id; every node must use the same
 * @param snapshotThreshold if present, take a snapshot automatically every this many applied entries
 * @param requestTimeout how long one write may take before it fails as TRANSIENT
 * @param peerTls if present, the Raft port speaks mutual TLS with this material; otherwise plaintext
 */
public record RatisDriverConfig(
    String nodeId,
    Map<String, String> peers,
    Path dataDir,
    Duration rpcTimeoutMin,
    Duration rpcTimeoutMax,
    UUID groupId,
    OptionalLong snapshotThreshold,
    Duration requestTimeout,
    Optional<PeerTls> peerTls) {

  /** The group id used when none is configured, so that all nodes agree by default. */
  public static final UUID DEFAULT_GROUP_ID = UUID.fromString("75a0c0d4-7473-6f34-6a00-000000000001");
  /** The default smallest election timeout. */
  public static final Duration DEFAULT_RPC_TIMEOUT_MIN = Duration.ofMillis(200);
  /** The default largest election timeout. */
  public static final Duration DEFAULT_RPC_TIMEOUT_MAX = Duration.ofMillis(400);
  /** The default write timeout. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(3);

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** Validates every field and copies the peer map (keeping its order). */
  public RatisDriverConfig {
    if (nodeId == null || !ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("nodeId must match " + ID + ": " + nodeId);
    }
    if (peers == null || peers.isEmpty()) {
      throw new IllegalArgumentException("peers must not be empty: " + peers);
    }
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : peers.entrySet()) {
      if (e.getKey() == null || !ID.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("peer id must match " + ID + ": " + e.getKey());
      }
      parsePort(e.getKey(), e.getValue());
      copy.put(e.getKey(), e.getValue());
    }
    if (!copy.containsKey(nodeId)) {
      throw new IllegalArgumentException("nodeId " + nodeId + " is not among the peers " + copy.keySet());
    }
    peers = Collections.unmodifiableMap(copy);
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir must be set");
    }
    positive("rpcTimeoutMin", rpcTimeoutMin);
    positive("rpcTimeoutMax", rpcTimeoutMax);
    if (rpcTimeoutMax.compareTo(rpcTimeoutMin) < 0) {
      throw new IllegalArgumentException("rpcTimeoutMax " + rpcTimeoutMax + " < rpcTimeoutMin " + rpcTimeoutMin);
    }
    if (groupId == null) {
      throw new IllegalArgumentException("groupId must be set");
    }
    if (snapshotThreshold == null) {
      snapshotThreshold = OptionalLong.empty();
    }
    if (snapshotThreshold.isPresent() && snapshotThreshold.getAsLong() < 1) {
      throw new IllegalArgumentException("snapshotThreshold must be >= 1: " + snapshotThreshold.getAsLong());
    }
    positive("requestTimeout", requestTimeout);
    peerTls = peerTls == null ? Optional.empty() : peerTls;
  }

  /** This node's Raft address. */
  public String localAddress() {
    return peers.get(nodeId);
  }

  /** The host part of this node's Raft address. */
  public String localHost() {
    String a = localAddress();
    return a.substring(0, a.lastIndexOf(':'));
  }

  /** The port of this node's Raft address. */
  public int localPort() {
    return parsePort(nodeId, localAddress());
  }

  /** The lease a driver with this configuration grants: 0.8 × {@link #rpcTimeoutMin()}. */
  public Duration leaseDuration() {
    return Duration.ofNanos(rpcTimeoutMin.toNanos() * 4 / 5);
  }

  /** A new builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  private static int parsePort(String id, String address) {
    if (address == null) {
      throw new IllegalArgumentException("address of peer " + id + " must be host:port, was null");
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("address of peer " + id + " must be host:port: " + address);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port of peer " + id + " is not a number: " + address);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port of peer " + id + " must be in 1..65535: " + address);
    }
    return port;
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0: " + d);
    }
  }

  /** A builder of {@link RatisDriverConfig}; {@link #build()} validates. */
  public static final class Builder {
    private String nodeId;
    private final Map<String, String> peers = new LinkedHashMap<>();
    private Path dataDir;
    private Duration rpcTimeoutMin = DEFAULT_RPC_TIMEOUT_MIN;
    private Duration rpcTimeoutMax = DEFAULT_RPC_TIMEOUT_MAX;
    private UUID groupId = DEFAULT_GROUP_ID;
    private OptionalLong snapshotThreshold = OptionalLong.empty();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Optional<PeerTls> peerTls = Optional.empty();

    private Builder() {
    }

    /** Sets this node's id. */
    public Builder nodeId(String id) {
      this.nodeId = id;
      return this;
    }

    /** Adds a peer (in order); {@code address} is {@code host:port}. */
    public Builder peer(String id, String address) {
      this.peers.put(id, address);
      return this;
    }

    /** Replaces the peers with {@code all}, keeping its iteration order. */
    public Builder peers(Map<String, String> all) {
      this.peers.clear();
      this.peers.putAll(all);
      return this;
    }

    /** Sets the data directory. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Sets the election timeout range. */
    public Builder rpcTimeout(Duration min, Duration max) {
      this.rpcTimeoutMin = min;
      this.rpcTimeoutMax = max;
      return this;
    }

    /** Sets the group id. */
    public Builder groupId(UUID id) {
      this.groupId = id;
      return this;
    }

    /** Takes a snapshot automatically every {@code entries} applied entries. */
    public Builder snapshotThreshold(long entries) {
      this.snapshotThreshold = OptionalLong.of(entries);
      return this;
    }

    /** Sets the write timeout. */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** Makes the Raft port speak mutual TLS with {@code tls} (null: plaintext, the default). */
    public Builder peerTls(PeerTls tls) {
      this.peerTls = Optional.ofNullable(tls);
      return this;
    }

    /** The validated configuration. */
    public RatisDriverConfig build() {
      return new RatisDriverConfig(nodeId, peers, dataDir, rpcTimeoutMin, rpcTimeoutMax, groupId, snapshotThreshold,
          requestTimeout, peerTls);
    }
  }
}
