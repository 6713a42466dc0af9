package io.tso4j.server;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key and trust managers of one TLS endpoint of a node, loaded from {@link TlsFiles} and re-read when the files
 * change: every refresh period it compares the files' modification times with those of the last load and, if one
 * changed, loads them into grpc-java's advanced TLS managers ({@link AdvancedTlsX509KeyManager}, {@link
 * AdvancedTlsX509TrustManager}), which every later handshake uses; connections already open keep their session. A
 * file that cannot be read or parsed, or a key that does not belong to the certificate (a rotation that replaced one
 * file but not yet the other), keeps the previous credentials (one WARN line) and is tried again at the next
 * period, because a rotation may be half written. (grpc-java's own file watcher would not check more often than once
 * a minute.) One daemon thread; thread-safe; {@link #close()} stops the checks.
 */
public final class ReloadingTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);

  private final String nodeId;
  private final String what;
  private final TlsFiles files;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust;
  private final ScheduledExecutorService timer;
  private FileTime certTime;
  private FileTime keyTime;
  private FileTime caTime;
  private volatile long reloads;

  private ReloadingTls(String nodeId, String what, TlsFiles files, AdvancedTlsX509TrustManager trust) {
    this.nodeId = nodeId;
    this.what = what;
    this.files = files;
    this.trust = trust;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tso4j-tls-reload-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Loads {@code files} now and checks them every {@code period}; {@code what} names the endpoint in messages
   * ("client TLS", "peer TLS").
   *
   * @throws IllegalArgumentException naming the file if one is missing, unreadable or cannot be parsed
   */
  public static ReloadingTls open(String nodeId, String what, TlsFiles files, Duration period) {
    readable(what + " certificate file", files.certFile());
    readable(what + " key file", files.keyFile());
    files.caFile().ifPresent(ca -> readable(what + " CA file", ca));
    AdvancedTlsX509TrustManager trust = null;
    if (files.caFile().isPresent()) {
      try {
        // Host names are checked when this node is the client (a peer's Raft port); a server checks the chain only.
        trust = AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
            .build();
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot set up " + what + ": " + e.getMessage(), e);
      }
    }
    ReloadingTls tls = new ReloadingTls(nodeId, what, files, trust);
    try {
      tls.loadAll();
    } catch (IllegalArgumentException e) {
      tls.close();
      throw e;
    }
    long nanos = period.toNanos();
    tls.timer.scheduleWithFixedDelay(tls::check, nanos, nanos, TimeUnit.NANOSECONDS);
    return tls;
  }

  /** The key manager: this endpoint's current certificate chain and key. */
  public X509KeyManager keyManager() {
    return keys;
  }

  /** The trust manager of the CA file, if there is one. */
  public Optional<X509TrustManager> trustManager() {
    return Optional.ofNullable(trust);
  }

  /**
   * gRPC server credentials over these managers: TLS with this endpoint's certificate and, if there is a CA file,
   * a required client certificate that the CA signed (mutual TLS).
   */
  public ServerCredentials serverCredentials() {
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keys);
    if (trust != null) {
      b.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return b.build();
  }

  /** How many times changed files were loaded after the first load. */
  public long reloads() {
    return reloads;
  }

  private synchronized void loadAll() {
    try {
      certTime = Files.getLastModifiedTime(files.certFile());
      keyTime = Files.getLastModifiedTime(files.keyFile());
      loadIdentity();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the " + what + " certificate " + files.certFile()
          + " with key " + files.keyFile() + ": " + e.getMessage(), e);
    }
    if (trust != null) {
      Path ca = files.caFile().orElseThrow();
      try {
        caTime = Files.getLastModifiedTime(ca);
        trust.updateTrustCredentials(ca.toFile());
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException("cannot read the " + what + " CA file " + ca + ": " + e.getMessage(), e);
      }
    }
  }

  /** Loads the files that changed since the last load. */
  synchronized void check() {
    try {
      FileTime cert = Files.getLastModifiedTime(files.certFile());
      FileTime key = Files.getLastModifiedTime(files.keyFile());
      if (!cert.equals(certTime) || !key.equals(keyTime)) {
        loadIdentity();
        certTime = cert;
        keyTime = key;
        reloads++;
        LOG.info("[{}] {}: loaded the new certificate {}", nodeId, what, files.certFile());
      }
      if (trust != null) {
        Path caFile = files.caFile().orElseThrow();
        FileTime ca = Files.getLastModifiedTime(caFile);
        if (!ca.equals(caTime)) {
          trust.updateTrustCredentials(caFile.toFile());
          caTime = ca;
          reloads++;
          LOG.info("[{}] {}: loaded the new CA file {}", nodeId, what, caFile);
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn("[{}] {}: cannot reload the TLS files (keeping the previous credentials, trying again later): {}",
          nodeId, what, e.toString());
    }
  }

  /** Reads the certificate chain and key, checks that the key is the leaf's, and hands both to the key manager. */
  private void loadIdentity() throws IOException, GeneralSecurityException {
    X509Certificate[] chain;
    try (InputStream in = Files.newInputStream(files.certFile())) {
      chain = CertificateUtils.getX509Certificates(in);
    }
    if (chain.length == 0) {
      throw new GeneralSecurityException("no certificate in " + files.certFile());
    }
    PrivateKey key;
    try (InputStream in = Files.newInputStream(files.keyFile())) {
      key = CertificateUtils.getPrivateKey(in);
    }
    if (!matches(chain[0].getPublicKey(), key)) {
      throw new GeneralSecurityException("the key in " + files.keyFile() + " does not belong to the certificate in "
          + files.certFile());
    }
    keys.updateIdentityCredentials(chain, key);
  }

  /** Whether {@code key} is the private half of {@code pub}: a signature made with it verifies. */
  private static boolean matches(PublicKey pub, PrivateKey key) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(pub.getAlgorithm())) {
      return algorithm == null;
    }
    byte[] probe = "tso4j key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(pub);
    verifier.update(probe);
    return verifier.verify(sig);
  }

  private static void readable(String what, Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(what + " " + file + " is not a readable file");
    }
  }

  /** Stops checking the files. Idempotent. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
