package io.tso4j.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.tso4j.client.TsoClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The client TLS options of the commands that call a cluster ({@code get}, {@code watch}, {@code bench}, and any
 * later one): {@code --tls-ca-file} turns TLS on and authenticates the servers against that CA; {@code
 * --tls-cert-file} with {@code --tls-key-file} adds a client certificate (mutual TLS). Without them the command
 * speaks plaintext. Mix it into a command with {@code @Mixin ClientTlsOptions tls;} and use {@link #applyTo} for a
 * {@link TsoClient} or {@link #credentials()} for a raw gRPC channel.
 */
final class ClientTlsOptions {
  @Option(names = "--tls-ca-file", paramLabel = "FILE",
      description = "Use TLS and trust the servers whose certificates this CA (PEM) signed (default: plaintext).")
  Path caFile;

  @Option(names = "--tls-cert-file", paramLabel = "FILE",
      description = "Client certificate chain (PEM) for mutual TLS; needs --tls-key-file and --tls-ca-file.")
  Path certFile;

  @Option(names = "--tls-key-file", paramLabel = "FILE",
      description = "Private key (PKCS#8 PEM) of --tls-cert-file.")
  Path keyFile;

  /**
   * {@code builder} with these TLS settings (unchanged if none are given).
   *
   * @throws IllegalArgumentException if the combination is incomplete or a file cannot be read (the client builder
   *     names it)
   */
  TsoClient.Builder applyTo(TsoClient.Builder builder) {
    check();
    if (caFile == null) {
      return builder;
    }
    return certFile == null ? builder.tls(caFile) : builder.tls(caFile, certFile, keyFile);
  }

  /**
   * The channel credentials these settings give: plaintext, TLS or mutual TLS.
   *
   * @throws IllegalArgumentException if the combination is incomplete or a file cannot be read
   */
  ChannelCredentials credentials() {
    check();
    if (caFile == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile());
      if (certFile != null) {
        b.keyManager(certFile.toFile(), keyFile.toFile());
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the TLS files (" + caFile
          + (certFile == null ? "" : ", " + certFile + ", " + keyFile) + "): " + e.getMessage(), e);
    }
  }

  private void check() {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("--tls-cert-file and --tls-key-file go together");
    }
    if (certFile != null && caFile == null) {
      throw new IllegalArgumentException("--tls-cert-file needs --tls-ca-file (the CA that signed the servers)");
    }
  }
}
