package io.tso4j.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ManagedChannel} per endpoint with the client's credentials, opened on first use (configured endpoints
 * and hinted ones alike) and closed together. Thread-safe.
 */
final class ChannelPool implements AutoCloseable {
  private static final long CLOSE_GRACE_MILLIS = 2_000;

  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ChannelCredentials credentials;
  private boolean closed;

  /** A pool of plaintext channels. */
  ChannelPool() {
    this(InsecureChannelCredentials.create());
  }

  /** A pool whose channels use {@code credentials}. */
  ChannelPool(ChannelCredentials credentials) {
    this.credentials = credentials;
  }

  /**
   * The channel to {@code endpoint}, opened if needed.
   *
   * @throws IllegalStateException if the pool is closed
   * @throws IllegalArgumentException if the endpoint is not host:port
   */
  ManagedChannel get(String endpoint) {
    ManagedChannel c = channels.get(endpoint);
    if (c != null) {
      reconnectNowIfBackingOff(c);
      return c;
    }
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("client is closed");
      }
      return channels.computeIfAbsent(endpoint, this::open);
    }
  }

  /**
   * Drops every channel (shut down at once; calls on them fail and are retried by their owners), so the next use
   * of an endpoint opens a new channel that resolves its name again. No-op once closed.
   */
  void rebuild() {
    List<ManagedChannel> old;
    synchronized (this) {
      if (closed) {
        return;
      }
      old = new ArrayList<>(channels.values());
      channels.clear();
    }
    old.forEach(ManagedChannel::shutdownNow);
  }

  /**
   * A channel whose connection failed waits out gRPC's reconnect backoff (1 s, growing to minutes) and fails every
   * call meanwhile, even after the node is back — a restarted node that has just become leader would stay
   * unreachable for seconds. The client has its own bounded backoff between rounds, so a channel it is about to use
   * reconnects at once.
   */
  private static void reconnectNowIfBackingOff(ManagedChannel c) {
    if (c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      c.resetConnectBackoff();
    }
  }

  /** Whether {@code endpoint} is a usable host:port. */
  static boolean isValidEndpoint(String endpoint) {
    try {
      HostPort.parse(endpoint);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private ManagedChannel open(String endpoint) {
    HostPort hp = HostPort.parse(endpoint);
    return Grpc.newChannelBuilderForAddress(hp.host(), hp.port(), credentials)
        .userAgent("tso4j-client")
        .build();
  }

  /** Shuts every channel down: waits briefly for calls to end, then forces them. Idempotent. */
  @Override
  public void close() {
    List<ManagedChannel> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(channels.values());
    }
    all.forEach(ManagedChannel::shutdown);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
    boolean interrupted = false;
    for (ManagedChannel c : all) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !c.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        interrupted = true;
        c.shutdownNow();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
