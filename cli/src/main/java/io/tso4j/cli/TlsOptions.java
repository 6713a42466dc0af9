package io.tso4j.cli;

import io.tso4j.server.NodeSecurity;
import io.tso4j.server.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The security options of {@code serve}: TLS of the client port (optionally mutual), mutual TLS of the Raft port,
 * how often the files are re-read, reflection, and the explicit opt-out of the secure-by-default rule ({@link
 * NodeSecurity#missingTls}).
 */
final class TlsOptions {
  /** The flags that give the client port TLS, as the secure-by-default error names them. */
  static final String CLIENT_FLAGS = "--tls-cert-file and --tls-key-file";
  /** The flags that give the Raft port TLS, as the secure-by-default error names them. */
  static final String PEER_FLAGS = "--peer-tls-cert-file, --peer-tls-key-file and --peer-tls-ca-file";

  @Option(names = "--tls-cert-file", paramLabel = "FILE",
      description = "Certificate chain (PEM) of the client port; turns TLS on there (with --tls-key-file).")
  Path certFile;

  @Option(names = "--tls-key-file", paramLabel = "FILE", description = "Private key (PKCS#8 PEM) of --tls-cert-file.")
  Path keyFile;

  @Option(names = "--tls-client-ca-file", paramLabel = "FILE",
      description = "Mutual TLS on the client port: clients must present a certificate this CA (PEM) signed.")
  Path clientCaFile;

  @Option(names = "--peer-tls-cert-file", paramLabel = "FILE",
      description = "Certificate chain (PEM) of this node on the Raft port (server and client of its peers); must "
          + "name this node's Raft host. Peer TLS is always mutual.")
  Path peerCertFile;

  @Option(names = "--peer-tls-key-file", paramLabel = "FILE",
      description = "Private key (PKCS#8 PEM) of --peer-tls-cert-file.")
  Path peerKeyFile;

  @Option(names = "--peer-tls-ca-file", paramLabel = "FILE",
      description = "The CA (PEM) that signed every peer's certificate.")
  Path peerCaFile;

  @Option(names = "--tls-refresh-period", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How often the TLS files are checked; changed files are used by the next handshake "
          + "(default: ${DEFAULT-VALUE}).")
  Duration refreshPeriod;

  @Option(names = "--insecure-plaintext",
      description = "Allow plaintext on a client or Raft address that is not loopback (default: refuse to start).")
  boolean insecurePlaintext;

  @Option(names = "--no-reflection", description = "Do not serve gRPC server reflection on the client port.")
  boolean noReflection;

  /**
   * The node security these options give.
   *
   * @throws IllegalArgumentException if a combination is incomplete
   */
  NodeSecurity security() {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("--tls-cert-file and --tls-key-file go together");
    }
    if (clientCaFile != null && certFile == null) {
      throw new IllegalArgumentException("--tls-client-ca-file needs --tls-cert-file and --tls-key-file");
    }
    int peer = (peerCertFile == null ? 0 : 1) + (peerKeyFile == null ? 0 : 1) + (peerCaFile == null ? 0 : 1);
    if (peer != 0 && peer != 3) {
      throw new IllegalArgumentException("peer TLS needs all of " + PEER_FLAGS);
    }
    if (refreshPeriod.isZero() || refreshPeriod.isNegative()) {
      throw new IllegalArgumentException("--tls-refresh-period must be more than 0s, was "
          + DurationConverter.format(refreshPeriod));
    }
    NodeSecurity s = NodeSecurity.plaintext().withReflection(!noReflection).withTlsRefreshPeriod(refreshPeriod);
    if (certFile != null) {
      s = s.withClientTls(new TlsFiles(certFile, keyFile, Optional.ofNullable(clientCaFile)));
    }
    if (peer == 3) {
      s = s.withPeerTls(TlsFiles.mutual(peerCertFile, peerKeyFile, peerCaFile));
    }
    return s;
  }

  /**
   * The secure-by-default rule for a node whose client port binds {@code clientHost} and whose Raft port is on {@code
   * raftHost}: the one-line reason it must not start, or empty.
   */
  Optional<String> refusal(NodeSecurity security, String clientHost, String raftHost) {
    if (insecurePlaintext) {
      return Optional.empty();
    }
    return security.missingTls(clientHost, raftHost, CLIENT_FLAGS, PEER_FLAGS)
        .map(m -> "refusing to start without TLS: " + m + " (or give --insecure-plaintext)");
  }
}
