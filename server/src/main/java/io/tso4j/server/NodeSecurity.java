package io.tso4j.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link TsoNode}'s ports expose and how they are secured: TLS on the client port (optionally mutual), mutual
 * TLS on the Raft (peer) port, server reflection on the client port, and how often the TLS files are checked for
 * changes. Immutable; validated in the constructor.
 *
 * <p>The secure-by-default rule lives here ({@link #missingTls}): a node whose client or Raft address is not a
 * loopback address needs TLS on that port unless the operator asks for plaintext explicitly.
 *
 * @param clientTls TLS of the client port, if any; with a CA file, clients must present a certificate it signed
 * @param peerTls mutual TLS of the Raft port, if any; the CA file is required
 * @param reflection whether the client port serves gRPC server reflection (v1)
 * @param tlsRefreshPeriod how often the TLS files are checked; changed files are used by the next handshake
 */
public record NodeSecurity(Optional<TlsFiles> clientTls, Optional<TlsFiles> peerTls, boolean reflection,
    Duration tlsRefreshPeriod) {
  /** How often TLS files are checked for changes by default. */
  public static final Duration DEFAULT_TLS_REFRESH_PERIOD = Duration.ofMinutes(1);
  /** Whether reflection is on by default. */
  public static final boolean DEFAULT_REFLECTION = true;

  /** Validates the fields. */
  public NodeSecurity {
    clientTls = clientTls == null ? Optional.empty() : clientTls;
    peerTls = peerTls == null ? Optional.empty() : peerTls;
    if (peerTls.isPresent() && peerTls.get().caFile().isEmpty()) {
      throw new IllegalArgumentException("peer TLS is always mutual: a peer CA file is required");
    }
    Objects.requireNonNull(tlsRefreshPeriod, "tlsRefreshPeriod");
    if (tlsRefreshPeriod.isNegative() || tlsRefreshPeriod.isZero()) {
      throw new IllegalArgumentException("the TLS refresh period must be more than 0, was " + tlsRefreshPeriod);
    }
  }

  /** Plaintext on both ports, reflection on: the loopback development set-up. */
  public static NodeSecurity plaintext() {
    return new NodeSecurity(Optional.empty(), Optional.empty(), DEFAULT_REFLECTION, DEFAULT_TLS_REFRESH_PERIOD);
  }

  /** This with client-port TLS {@code tls}. */
  public NodeSecurity withClientTls(TlsFiles tls) {
    return new NodeSecurity(Optional.of(tls), peerTls, reflection, tlsRefreshPeriod);
  }

  /** This with peer TLS {@code tls} (must have a CA file). */
  public NodeSecurity withPeerTls(TlsFiles tls) {
    return new NodeSecurity(clientTls, Optional.of(tls), reflection, tlsRefreshPeriod);
  }

  /** This with reflection on or off. */
  public NodeSecurity withReflection(boolean on) {
    return new NodeSecurity(clientTls, peerTls, on, tlsRefreshPeriod);
  }

  /** This with the TLS files checked every {@code period}. */
  public NodeSecurity withTlsRefreshPeriod(Duration period) {
    return new NodeSecurity(clientTls, peerTls, reflection, period);
  }

  /**
   * The secure-by-default rule: which TLS a node with this security lacks for its client port bound to {@code
   * clientHost} and its Raft port on {@code raftHost}. A port needs TLS unless its host is a loopback address (a host
   * name that resolves to one counts; the wildcard address {@code 0.0.0.0} and an unresolvable name do not). Returns
   * one line naming the missing flags, or empty if nothing is missing.
   *
   * @param clientFlags how to name the client TLS settings in the message (e.g. the CLI flags)
   * @param peerFlags how to name the peer TLS settings in the message
   */
  public Optional<String> missingTls(String clientHost, String raftHost, String clientFlags, String peerFlags) {
    List<String> missing = new ArrayList<>();
    if (clientTls.isEmpty() && !isLoopback(clientHost)) {
      missing.add("the client port on " + clientHost + " needs " + clientFlags);
    }
    if (peerTls.isEmpty() && !isLoopback(raftHost)) {
      missing.add("the Raft port on " + raftHost + " needs " + peerFlags);
    }
    return missing.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", missing));
  }

  /** Whether {@code host} is a loopback address or a name that resolves only to loopback addresses. */
  static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    try {
      InetAddress[] all = InetAddress.getAllByName(host);
      for (InetAddress a : all) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return all.length > 0;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
