package io.tso4j.examples.cohosted;

import io.tso4j.client.TsoClient;
import io.tso4j.examples.piggybackkv.KvCluster;
import io.tso4j.examples.piggybackkv.KvNode;
import io.tso4j.core.ConsensusException;
import io.tso4j.ratis.embed.EmbeddedTso;
import io.tso4j.server.EmbeddedGrpc;
import io.tso4j.server.grpc.TsoGrpcServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The KV host application of the piggyback example, with the TSO as a second Raft group on the same servers instead
 * (the KV state machine knows nothing of the TSO). Each node serves tso4j's gRPC API on its own port; writes are
 * stamped with a timestamp from a {@link TsoClient}, because the TSO group's leader need not be the KV leader.
 */
public final class CohostedKvApp implements AutoCloseable {
  private final KvCluster cluster;
  private final List<TsoGrpcServer> servers;
  private final List<String> endpoints;
  private final TsoClient client;

  private CohostedKvApp(KvCluster cluster, List<TsoGrpcServer> servers, List<String> endpoints, TsoClient client) {
    this.cluster = cluster;
    this.servers = servers;
    this.endpoints = endpoints;
    this.client = client;
  }

  /** Starts 3 nodes with data under {@code dir}, the TSO gRPC service on each, and a client of all three. */
  public static CohostedKvApp start(Path dir) throws IOException, ConsensusException {
    KvCluster cluster = KvCluster.start(dir, 3, EmbeddedTso.Mode.COHOSTED, 0);
    List<TsoGrpcServer> servers = new ArrayList<>();
    try {
      List<String> endpoints = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        TsoGrpcServer s = EmbeddedGrpc.start(cluster.node(i).tso(), "127.0.0.1", 0);
        servers.add(s);
        endpoints.add(s.endpoint());
      }
      TsoClient client = TsoClient.newBuilder().endpoints(endpoints).callTimeout(Duration.ofSeconds(5)).build();
      return new CohostedKvApp(cluster, servers, endpoints, client);
    } catch (IOException | RuntimeException e) {
      servers.forEach(TsoGrpcServer::close);
      cluster.close();
      throw e;
    }
  }

  /** The nodes. */
  public KvCluster cluster() {
    return cluster;
  }

  /** The tso4j gRPC endpoints, by node index. */
  public List<String> endpoints() {
    return endpoints;
  }

  /**
   * Writes key=value through the KV leader, stamped with a fresh timestamp; retries while leadership moves (up to
   * {@code maxWaitMillis}). Returns the commit timestamp.
   */
  public long put(String key, String value, long maxWaitMillis) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
    while (true) {
      long ts = client.getTimestamp().toLong(); // fails with a TsoException after the client's call timeout
      try {
        KvNode leader = cluster.awaitLeader(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        leader.put(key, value, ts);
        return ts;
      } catch (IOException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
    }
  }

  /** Stops the client and every node. */
  @Override
  public void close() {
    client.close();
    servers.forEach(TsoGrpcServer::close);
    cluster.close();
  }
}
