package io.tso4j.server.grpc;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The lifecycle of one gRPC server (Netty; plaintext or the TLS of the given {@link ServerCredentials}) serving tso4j
 * on {@code host:port}.
 *
 * <p>Bad input is bounded by fixed limits: a message larger than {@value #MAX_INBOUND_MESSAGE_BYTES} bytes fails its
 * call with {@code RESOURCE_EXHAUSTED}; request metadata larger than {@value #MAX_INBOUND_METADATA_BYTES} bytes fails
 * the call ({@code INTERNAL}, "Header size exceeded max allowed size"; the connection stays up); a connection whose
 * TLS handshake has not finished after {@link #HANDSHAKE_TIMEOUT} is closed; bytes that are not HTTP/2 close their
 * connection. None of it affects other connections.
 *
 * <p>{@link #start()} binds (port 0 picks a free port; {@link #port()} tells which) and fails with a message that
 * names the address if it cannot, for example {@code "address 127.0.0.1:7001 is already in use"}. {@link #close()}
 * shuts down gracefully: no new calls, a grace period for the calls in flight (open streams included), then the rest
 * are cancelled. Thread-safe; start at most once.
 */
public final class TsoGrpcServer implements AutoCloseable {
  /** How long {@link #close()} waits for calls in flight by default. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(3);

  /**
   * The largest message the server accepts. tso4j's requests are a few bytes, reflection requests a few hundred;
   * 64 KiB leaves room and bounds what one call can make the server buffer (gRPC's own default is 4 MiB).
   */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024;
  /** The most request metadata (headers) one call may carry. */
  public static final int MAX_INBOUND_METADATA_BYTES = 8 * 1024;
  /** How long a new connection may take for its TLS handshake (gRPC's default is 120 s). */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private static final long FORCED_SHUTDOWN_WAIT_MILLIS = 1_000;

  private final String host;
  private final int requestedPort;
  private final List<BindableService> services;
  private final Duration shutdownGrace;
  private final ServerCredentials credentials;
  private Server server;
  private boolean started;
  private boolean closed;

  /** A server for {@code service} on {@code host:port} with the default shutdown grace; not started yet. */
  public TsoGrpcServer(String host, int port, BindableService service) {
    this(host, port, service, DEFAULT_SHUTDOWN_GRACE);
  }

  /**
   * A server for {@code service} on {@code host:port} (port 0 = any free port); not started yet.
   *
   * @throws IllegalArgumentException if the host is blank, the port outside 0..65535, or the grace negative
   */
  public TsoGrpcServer(String host, int port, BindableService service, Duration shutdownGrace) {
    this(host, port, List.of(Objects.requireNonNull(service, "service")), shutdownGrace);
  }

  /**
   * A server for several {@code services} on {@code host:port} (port 0 = any free port); not started yet.
   *
   * @throws IllegalArgumentException if the host is blank, the port outside 0..65535, the grace negative, or no
   *     service is given
   */
  public TsoGrpcServer(String host, int port, List<BindableService> services, Duration shutdownGrace) {
    this(host, port, services, shutdownGrace, InsecureServerCredentials.create());
  }

  /**
   * A server for several {@code services} on {@code host:port} (port 0 = any free port) secured by {@code
   * credentials} (for example {@code TlsServerCredentials}); not started yet.
   *
   * @throws IllegalArgumentException if the host is blank, the port outside 0..65535, the grace negative, or no
   *     service is given
   */
  public TsoGrpcServer(String host, int port, List<BindableService> services, Duration shutdownGrace,
      ServerCredentials credentials) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank: " + host);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, was " + port);
    }
    if (shutdownGrace == null || shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must be >= 0, was " + shutdownGrace);
    }
    this.host = host;
    this.requestedPort = port;
    if (services == null || services.isEmpty()) {
      throw new IllegalArgumentException("at least one service is needed");
    }
    this.services = List.copyOf(services);
    this.shutdownGrace = shutdownGrace;
  }

  /**
   * Binds and starts serving; returns this.
   *
   * @throws BindException naming the address if it is already in use
   * @throws IOException naming the address if it cannot be bound for another reason
   * @throws IllegalStateException if already started or closed
   */
  public synchronized TsoGrpcServer start() throws IOException {
    if (started || closed) {
      throw new IllegalStateException("server for " + address(requestedPort) + " was already started or closed");
    }
    started = true;
    InetSocketAddress address = new InetSocketAddress(host, requestedPort);
    if (address.isUnresolved()) {
      throw new IOException("cannot listen on " + address(requestedPort) + ": unknown host " + host);
    }
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address, credentials)
        .callExecutor(new InlineTimestampCalls())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .maxInboundMetadataSize(MAX_INBOUND_METADATA_BYTES)
        .handshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    services.forEach(builder::addService);
    Server s = builder.build();
    try {
      s.start();
    } catch (IOException e) {
      s.shutdownNow();
      throw bindFailure(e);
    }
    server = s;
    return this;
  }

  /**
   * The port the server listens on.
   *
   * @throws IllegalStateException if not started
   */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("server for " + address(requestedPort) + " is not started");
    }
    return server.getPort();
  }

  /** The address the server listens on, {@code host:port} with the bound port. */
  public String endpoint() {
    return address(port());
  }

  /** Whether the server is started and not closed. */
  public synchronized boolean isRunning() {
    return server != null && !closed;
  }

  /**
   * Stops accepting calls, waits up to the shutdown grace for calls in flight, then cancels the rest and waits
   * briefly for them. Idempotent; a no-op if never started.
   */
  @Override
  public void close() {
    Server s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = server;
    }
    if (s == null) {
      return;
    }
    s.shutdown();
    try {
      if (!s.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        s.shutdownNow();
        s.awaitTermination(FORCED_SHUTDOWN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private IOException bindFailure(IOException e) {
    if (addressInUse(e)) {
      BindException b = new BindException("address " + address(requestedPort) + " is already in use");
      b.initCause(e);
      return b;
    }
    return new IOException("cannot listen on " + address(requestedPort) + ": " + rootMessage(e), e);
  }

  private static boolean addressInUse(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private String address(int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
