package io.tso4j.ratis;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.apache.ratis.thirdparty.io.grpc.ConnectivityState;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;

/**
 * One gRPC channel per peer Raft address, for tso4j's own calls to its peers' Raft ports ({@link PeerClockService},
 * {@link PeerLogService}), over peer TLS if configured (this node's peer certificate, the peers' CA). A channel is
 * opened at first use and kept, so that a call made in a hurry (a lost leader) finds it connected. A channel that
 * failed to connect (its peer was down) tries again at once when it is next asked for, instead of after gRPC's
 * reconnect backoff, which grows to minutes: the peer that was down is often the one that just came back (a
 * restarted node), and a call to a channel in backoff fails without trying (seen: a follower that could not read a
 * restarted peer's log stood for election beside it, and the two split the vote).
 *
 * <p>Thread-safe.
 */
final class PeerChannels implements AutoCloseable {
  private final SslContext tls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Channels for node {@code id}, over {@code peerTls} if present. */
  PeerChannels(String id, Optional<PeerTls> peerTls) {
    try {
      this.tls = peerTls.isEmpty() ? null : GrpcSslContexts.forClient()
          .keyManager(peerTls.get().keyManager()).trustManager(peerTls.get().trustManager()).build();
    } catch (SSLException e) {
      throw new IllegalStateException("[" + id + "] cannot set up TLS for calls to the peers: " + e, e);
    }
  }

  /**
   * The channel to the Raft port at {@code address} ({@code host:port}), opened now if there is none.
   *
   * @throws IllegalStateException if closed
   */
  ManagedChannel channel(String address) {
    if (closed) {
      throw new IllegalStateException("peer channels are closed");
    }
    ManagedChannel c = channels.computeIfAbsent(address, this::open);
    if (c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      c.resetConnectBackoff();
    }
    return c;
  }

  /** Opens the channel to {@code address} and starts connecting it, if it is not connected yet. */
  void connect(String address) {
    channel(address).getState(true);
  }

  /** Closes the channels to every address not in {@code addresses}. */
  void retain(Collection<String> addresses) {
    channels.keySet().removeIf(a -> {
      if (addresses.contains(a)) {
        return false;
      }
      ManagedChannel c = channels.get(a);
      if (c != null) {
        c.shutdownNow();
      }
      return true;
    });
  }

  private ManagedChannel open(String address) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(address).directExecutor();
    if (tls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tls);
    }
    return b.build();
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
