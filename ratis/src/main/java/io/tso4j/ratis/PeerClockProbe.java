package io.tso4j.ratis;

import io.tso4j.core.PeerClockSample;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the other voters' monotonic clocks every {@value #INTERVAL_MILLIS} ms ({@link PeerClockService} on their Raft
 * ports, over peer TLS if configured) and hands each reading, stamped with this node's clock before the send and after
 * the reply, to the sink (docs/correctness.md C6). Off the hot path: one daemon thread that only starts calls; replies
 * are stamped on the gRPC thread that receives them. A peer that is down, slow (deadline {@value #DEADLINE_MILLIS}
 * ms) or not a tso4j node gives no sample; at most one call per peer is in flight.
 *
 * <p>Thread-safe: {@link #close()} from any thread.
 */
final class PeerClockProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerClockProbe.class);
  /** How often each peer is read. */
  static final long INTERVAL_MILLIS = 500;
  /** How long one read may take. */
  static final long DEADLINE_MILLIS = 1_000;

  private final String id;
  private final RaftPeerId self;
  private final RaftServer.Division division;
  private final PeerChannels channels;
  private final LongSupplier ticker;
  private final Consumer<PeerClockSample> sink;
  private final ScheduledExecutorService scheduler;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean closed;

  /** A probe of node {@code id} ({@code self}) over {@code channels}, which the caller owns and closes. */
  PeerClockProbe(String id, RaftPeerId self, RaftServer.Division division, PeerChannels channels,
      LongSupplier ticker, Consumer<PeerClockSample> sink) {
    this.id = id;
    this.self = self;
    this.division = division;
    this.channels = channels;
    this.ticker = ticker;
    this.sink = sink;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tso4j-clock-probe-" + id);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts probing. */
  PeerClockProbe start() {
    scheduler.scheduleWithFixedDelay(this::round, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Readings handed to the sink so far. */
  long samples() {
    return samples.get();
  }

  /** Reads that failed (peer down, deadline, refused). */
  long failures() {
    return failures.get();
  }

  private void round() {
    if (closed) {
      return;
    }
    try {
      Map<String, String> voters = new LinkedHashMap<>();
      for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
        if (!p.getId().equals(self) && p.getAddress() != null) {
          voters.put(p.getId().toString(), p.getAddress());
        }
      }
      Set<String> others = Set.copyOf(voters.keySet());
      channels.retain(voters.values());
      voters.forEach((peer, address) -> probe(peer, channels.channel(address), others));
    } catch (RuntimeException e) {
      LOG.debug("[{}] clock probe round failed: {}", id, e.toString());
    }
  }

  private void probe(String peer, ManagedChannel channel, Set<String> others) {
    if (!inFlight.add(peer)) {
      return;
    }
    long sent = ticker.getAsLong();
    ClientCalls.asyncUnaryCall(channel.newCall(PeerClockService.READ,
        CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)), new byte[0],
        new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] reply) {
            long received = ticker.getAsLong();
            inFlight.remove(peer);
            if (reply.length != PeerClockService.REPLY_BYTES || closed) {
              return;
            }
            ByteBuffer b = ByteBuffer.wrap(reply);
            long incarnation = b.getLong();
            long peerNanos = b.getLong();
            samples.incrementAndGet();
            try {
              sink.accept(new PeerClockSample(peer, incarnation, sent, peerNanos, received, others));
            } catch (RuntimeException e) {
              LOG.warn("[{}] the peer clock sink failed", id, e);
            }
          }

          @Override
          public void onError(Throwable t) {
            inFlight.remove(peer);
            failures.incrementAndGet();
            LOG.debug("[{}] clock probe of {} failed: {}", id, peer, t.toString());
          }

          @Override
          public void onCompleted() {
            inFlight.remove(peer);
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
