package io.tso4j.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;

/**
 * How the client's channels are secured: plaintext (the default, meant for a loopback dev cluster), TLS that
 * authenticates the server against a CA file, mutual TLS with a client certificate and key, or credentials the
 * application built itself.
 *
 * <p>TLS uses grpc-java's advanced TLS managers ({@link AdvancedTlsX509TrustManager}, {@link
 * AdvancedTlsX509KeyManager}): the files are read when the client is built (a bad file fails the build, naming it)
 * and re-read by a {@link TlsReloader} when their modification time changed, so a rotated CA or client certificate
 * is used by the next connection without a new client. The server's certificate must name the endpoint the client dials
 * (an IP SAN for an IP endpoint). Immutable.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClient} can configure it.
 */
public final class ChannelSecurity {
  private static final ChannelSecurity PLAINTEXT = new ChannelSecurity(null, null, null, null, null);

  private final Path caFile;
  private final Path certFile;
  private final Path keyFile;
  private final Duration refreshPeriod;
  private final ChannelCredentials custom;

  private ChannelSecurity(Path caFile, Path certFile, Path keyFile, Duration refreshPeriod,
      ChannelCredentials custom) {
    this.caFile = caFile;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.refreshPeriod = refreshPeriod;
    this.custom = custom;
  }

  /** Plaintext channels. */
  public static ChannelSecurity plaintext() {
    return PLAINTEXT;
  }

  /**
   * TLS trusting the CA certificates in {@code caFile} (PEM), with a client certificate chain and PKCS#8 key (PEM)
   * if {@code certFile} and {@code keyFile} are given (both or neither), re-read every {@code refreshPeriod}.
   *
   * @throws IllegalArgumentException naming the file if one is not a readable file, or if only one of the client
   *     files is given, or if the period is not positive
   */
  public static ChannelSecurity tls(Path caFile, Path certFile, Path keyFile, Duration refreshPeriod) {
    readable("TLS CA file", Objects.requireNonNull(caFile, "caFile"));
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("mutual TLS needs both a certificate file and a key file, got "
          + certFile + " and " + keyFile);
    }
    if (certFile != null) {
      readable("TLS certificate file", certFile);
      readable("TLS key file", keyFile);
    }
    if (refreshPeriod == null || refreshPeriod.isNegative() || refreshPeriod.isZero()) {
      throw new IllegalArgumentException("tlsRefreshPeriod must be positive, was " + refreshPeriod);
    }
    return new ChannelSecurity(caFile, certFile, keyFile, refreshPeriod, null);
  }

  /** The application's own credentials. */
  public static ChannelSecurity custom(ChannelCredentials credentials) {
    return new ChannelSecurity(null, null, null, null, Objects.requireNonNull(credentials, "credentials"));
  }

  /** Whether the channels are plaintext. */
  public boolean isPlaintext() {
    return caFile == null && custom == null;
  }

  /** Opened credentials and whatever re-reads their files; close it with the client. */
  record Opened(ChannelCredentials credentials, AutoCloseable reloads) {
  }

  /**
   * Reads the files and builds the credentials, checking the files for changes on {@code scheduler}.
   *
   * @throws IllegalArgumentException naming the file if a file cannot be read or parsed
   */
  Opened open(TaskScheduler scheduler) {
    if (custom != null) {
      return new Opened(custom, () -> { });
    }
    if (caFile == null) {
      return new Opened(InsecureChannelCredentials.create(), () -> { });
    }
    AdvancedTlsX509TrustManager trust;
    try {
      trust = AdvancedTlsX509TrustManager.newBuilder().build();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
    AdvancedTlsX509KeyManager keys = certFile == null ? null : new AdvancedTlsX509KeyManager();
    TlsReloader reloader = new TlsReloader(trust, caFile, keys, certFile, keyFile, scheduler,
        refreshPeriod.toNanos());
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(trust);
    if (keys != null) {
      b.keyManager(keys);
    }
    return new Opened(b.build(), reloader);
  }

  private static void readable(String what, Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(what + " " + file + " is not a readable file");
    }
  }
}
