package io.tso4j.bench.baseline;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * The naive TSO a user would build without a window: an N-node Ratis cluster in this process on loopback, whose
 * state machine is a {@link CounterStateMachine}, and a {@link RaftClient} with which every request for timestamps is
 * one replicated write. Ratis defaults otherwise (log sync on). For the benchmark's side-by-side baseline only.
 * Thread-safe; start with {@link #start}, stop with {@link #close()}.
 */
public final class CounterCluster implements AutoCloseable {
  private final List<RaftServer> servers;
  private final RaftClient client;

  private CounterCluster(List<RaftServer> servers, RaftClient client) {
    this.servers = servers;
    this.client = client;
  }

  /**
   * Starts {@code size} servers with data under {@code dataDir} and the Raft election timeouts given, and a client
   * that allows {@code maxOutstanding} asynchronous requests.
   *
   * @throws IOException if a server cannot start
   */
  public static CounterCluster start(int size, Path dataDir, Duration rpcTimeoutMin, Duration rpcTimeoutMax,
      int maxOutstanding) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      peers.add(RaftPeer.newBuilder().setId("c" + i).setAddress("127.0.0.1:" + freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peers);
    List<RaftServer> servers = new ArrayList<>();
    try {
      for (RaftPeer p : peers) {
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(dataDir.resolve(p.getId().toString()).toFile()));
        GrpcConfigKeys.Server.setPort(props, Integer.parseInt(p.getAddress().substring(p.getAddress()
            .lastIndexOf(':') + 1)));
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(rpcTimeoutMin.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(rpcTimeoutMax.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServer s = RaftServer.newBuilder().setServerId(p.getId()).setGroup(group)
            .setStateMachine(new CounterStateMachine()).setProperties(props)
            .setOption(RaftStorage.StartupOption.RECOVER).build();
        servers.add(s);
        s.start();
      }
    } catch (IOException | RuntimeException e) {
      closeAll(servers);
      throw e;
    }
    RaftProperties clientProps = new RaftProperties();
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(clientProps, maxOutstanding);
    RaftClient client = RaftClient.newBuilder().setProperties(clientProps).setRaftGroup(group).build();
    return new CounterCluster(servers, client);
  }

  /**
   * One replicated increment by {@code n}; completes with the first of the {@code n} values the caller now owns.
   */
  public CompletableFuture<Long> next(int n) {
    ByteBuffer b = ByteBuffer.allocate(4).putInt(0, n);
    return client.async().send(Message.valueOf(ByteString.copyFrom(b))).thenApply(reply -> firstOf(reply, n));
  }

  private static long firstOf(RaftClientReply reply, int n) {
    if (!reply.isSuccess()) {
      throw new IllegalStateException("counter write failed: " + reply.getException());
    }
    long value = reply.getMessage().getContent().asReadOnlyByteBuffer().getLong();
    return value - n + 1;
  }

  /** Closes the client and every server. */
  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException | RuntimeException e) {
      // Closing anyway.
    }
    closeAll(servers);
  }

  private static void closeAll(List<RaftServer> servers) {
    servers.parallelStream().forEach(s -> {
      try {
        s.close();
      } catch (IOException | RuntimeException e) {
        // Best effort on shutdown.
      }
    });
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
