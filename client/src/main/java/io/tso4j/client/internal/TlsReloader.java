package io.tso4j.client.internal;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Re-reads the client's TLS files when they change: every refresh period it compares the files' modification times
 * with those of the last load and, if any changed, loads them into grpc-java's advanced TLS managers, which the next
 * TLS handshake uses (connections already open keep their session). A file that cannot be read or parsed keeps the
 * previous credentials and is tried again at the next period (a rotation may be half written). The check runs on
 * the client's scheduler (grpc-java's own file watcher will not check more often than once a minute).
 * Thread-safe: {@link #check()} runs on the scheduler's one thread; {@link #close()} from any.
 */
final class TlsReloader implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TlsReloader.class.getName());

  private final AdvancedTlsX509TrustManager trust;
  private final Path caFile;
  private final AdvancedTlsX509KeyManager keys;
  private final Path certFile;
  private final Path keyFile;
  private final TaskScheduler scheduler;
  private final long periodNanos;
  private FileTime caTime;
  private FileTime certTime;
  private FileTime keyTime;
  private volatile boolean closed;
  private volatile TaskScheduler.Cancellable next;
  private volatile long reloads;

  /**
   * Loads the files now and watches them.
   *
   * @throws IllegalArgumentException naming the file if one cannot be read or parsed
   */
  TlsReloader(AdvancedTlsX509TrustManager trust, Path caFile, AdvancedTlsX509KeyManager keys, Path certFile,
      Path keyFile, TaskScheduler scheduler, long periodNanos) {
    this.trust = trust;
    this.caFile = caFile;
    this.keys = keys;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.scheduler = scheduler;
    this.periodNanos = periodNanos;
    try {
      caTime = Files.getLastModifiedTime(caFile);
      trust.updateTrustCredentials(caFile.toFile());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the TLS CA file " + caFile + ": " + e, e);
    }
    if (keys != null) {
      try {
        certTime = Files.getLastModifiedTime(certFile);
        keyTime = Files.getLastModifiedTime(keyFile);
        keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile());
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException("cannot read the TLS certificate " + certFile + " with key " + keyFile
            + ": " + e, e);
      }
    }
    schedule();
  }

  /** How many times changed files were loaded since the first load. */
  long reloads() {
    return reloads;
  }

  /** Loads the files that changed since the last load. */
  void check() {
    if (closed) {
      return;
    }
    try {
      FileTime ca = Files.getLastModifiedTime(caFile);
      if (!ca.equals(caTime)) {
        trust.updateTrustCredentials(caFile.toFile());
        caTime = ca;
        reloads++;
      }
      if (keys != null) {
        FileTime cert = Files.getLastModifiedTime(certFile);
        FileTime key = Files.getLastModifiedTime(keyFile);
        if (!cert.equals(certTime) || !key.equals(keyTime)) {
          keys.updateIdentityCredentials(certFile.toFile(), keyFile.toFile());
          certTime = cert;
          keyTime = key;
          reloads++;
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "tso4j client: cannot reload the TLS files (keeping the previous"
          + " credentials; trying again in " + periodNanos / 1_000_000 + " ms): " + e);
    } finally {
      schedule();
    }
  }

  private void schedule() {
    if (closed) {
      return;
    }
    try {
      next = scheduler.schedule(this::check, periodNanos);
    } catch (RejectedExecutionException closing) {
      // The client is closing.
    }
  }

  /** Stops watching. Idempotent. */
  @Override
  public void close() {
    closed = true;
    TaskScheduler.Cancellable n = next;
    if (n != null) {
      n.cancel();
    }
  }
}
