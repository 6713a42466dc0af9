package io.tso4j.ratis;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS material of a node's Raft (peer) port: always mutual. The node presents the certificate of {@code
 * keyManager} both as the server of its Raft port and as the client of its peers' ports, and accepts a peer only if
 * {@code trustManager} trusts its certificate; a client certificate is required. Every peer certificate must name its
 * node's Raft host (an IP SAN for an IP address), because peers dial each other by that address and check it.
 *
 * <p>The managers are read at every handshake, so managers that re-read their files (as the server module's do) rotate
 * certificates without a restart. Immutable.
 *
 * @param keyManager this node's certificate chain and private key
 * @param trustManager the CA certificates a peer's certificate must chain to
 */
public record PeerTls(X509KeyManager keyManager, X509TrustManager trustManager) {
  /** Checks that both managers are given. */
  public PeerTls {
    Objects.requireNonNull(keyManager, "keyManager");
    Objects.requireNonNull(trustManager, "trustManager");
  }

  /** A TLS client context over the same managers (the leader-loss detector's connection to the leader). */
  SSLContext clientContext() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
    return context;
  }

  @Override
  public String toString() {
    return "PeerTls[mutual]";
  }
}
