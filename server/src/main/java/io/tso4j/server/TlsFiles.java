package io.tso4j.server;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The PEM files of one TLS endpoint: a certificate chain, its PKCS#8 private key and, optionally, the CA
 * certificates a peer's certificate must chain to (for the client port: clients must then present a certificate;
 * for the peer port it is required). Immutable; the files are read by {@link ReloadingTls}.
 *
 * @param certFile the certificate chain (PEM), leaf first
 * @param keyFile the private key of the leaf certificate (PKCS#8 PEM)
 * @param caFile the CA certificates (PEM) that a peer's certificate must chain to, if peers are authenticated
 */
public record TlsFiles(Path certFile, Path keyFile, Optional<Path> caFile) {
  /** Checks that the certificate and key are given. */
  public TlsFiles {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    caFile = caFile == null ? Optional.empty() : caFile;
  }

  /** A certificate and key, no peer authentication. */
  public static TlsFiles of(Path certFile, Path keyFile) {
    return new TlsFiles(certFile, keyFile, Optional.empty());
  }

  /** A certificate and key, and peers authenticated against {@code caFile}. */
  public static TlsFiles mutual(Path certFile, Path keyFile, Path caFile) {
    return new TlsFiles(certFile, keyFile, Optional.of(Objects.requireNonNull(caFile, "caFile")));
  }
}
