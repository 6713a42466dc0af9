package io.tso4j.server;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.TsoGrpcServer;
import io.tso4j.server.grpc.TsoGrpcService;
import io.tso4j.core.memory.InMemoryDriver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A tso4j cluster inside this process (used by {@code tso4j local-cluster} and {@code tso4j bench}): N
 * {@link TsoNode}s over Ratis on loopback, or one node over the {@link InMemoryDriver} (no consensus, for reference).
 * Started by the factories, stopped by {@link #close()}. Thread-safe.
 */
public final class LocalCluster implements AutoCloseable {
  private static final String HOST = "127.0.0.1";

  private final List<AutoCloseable> parts;
  private final List<String> endpoints;
  private final List<TimestampOracle> oracles;
  private final String description;
  private final List<TsoNode> nodes = new ArrayList<>();

  private LocalCluster(List<AutoCloseable> parts, List<String> endpoints, List<TimestampOracle> oracles,
      String description) {
    this.parts = parts;
    this.endpoints = endpoints;
    this.oracles = oracles;
    this.description = description;
  }

  /**
   * Starts {@code size} Ratis-backed nodes with data under {@code dataDir}.
   *
   * @throws NodeStartException if a node cannot start
   */
  public static LocalCluster ratis(int size, Path dataDir, Duration rpcTimeoutMin, Duration rpcTimeoutMax,
      FenceConfig fence) throws NodeStartException, IOException {
    List<PeerSpec> peers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      peers.add(new PeerSpec("n" + i, HOST, freePort(), freePort()));
    }
    return ratis(peers, dataDir, rpcTimeoutMin, rpcTimeoutMax, fence, cause -> { });
  }

  /**
   * Starts one Ratis-backed node per entry of {@code peers} (all on this host), node {@code id} keeping its data in
   * {@code dataDir/id}; {@code onFatal} runs if a node is poisoned.
   *
   * @throws NodeStartException if a node cannot start (the ones already started are stopped)
   */
  public static LocalCluster ratis(List<PeerSpec> peers, Path dataDir, Duration rpcTimeoutMin,
      Duration rpcTimeoutMax, FenceConfig fence, Consumer<Throwable> onFatal) throws NodeStartException {
    return ratis(peers, dataDir, rpcTimeoutMin, rpcTimeoutMax, fence, NodeTuning.defaults(), onFatal);
  }

  /**
   * Starts one Ratis-backed node per entry of {@code peers} with the knobs in {@code tuning}; otherwise as {@link
   * #ratis(List, Path, Duration, Duration, FenceConfig, Consumer)}.
   *
   * @throws NodeStartException if a node cannot start (the ones already started are stopped)
   */
  public static LocalCluster ratis(List<PeerSpec> peers, Path dataDir, Duration rpcTimeoutMin,
      Duration rpcTimeoutMax, FenceConfig fence, NodeTuning tuning, Consumer<Throwable> onFatal)
      throws NodeStartException {
    List<TsoNode> nodes = new ArrayList<>();
    try {
      for (PeerSpec p : peers) {
        nodes.add(TsoNode.start(new TsoNode.Config(p.id(), peers, p.host(), p.clientPort(), dataDir.resolve(p.id()),
            rpcTimeoutMin, rpcTimeoutMax, fence, TsoClock.system()), tuning, onFatal));
      }
    } catch (NodeStartException e) {
      closeAll(new ArrayList<>(nodes));
      throw e;
    }
    List<String> endpoints = new ArrayList<>();
    List<TimestampOracle> oracles = new ArrayList<>();
    for (TsoNode n : nodes) {
      endpoints.add(n.endpoint());
      oracles.add(n.oracle());
    }
    LocalCluster c = new LocalCluster(new ArrayList<>(nodes), endpoints, oracles,
        "tso4j " + nodes.size() + "-node ratis");
    c.nodes.addAll(nodes);
    return c;
  }

  /** Starts one node over the in-memory driver (leader from the start, nothing replicated). */
  public static LocalCluster memory(FenceConfig fence) throws IOException, ConsensusException {
    InMemoryDriver driver = new InMemoryDriver("n1");
    TimestampOracle oracle = new TimestampOracle(driver, fence, TsoClock.system(), cause -> { });
    oracle.start();
    TsoGrpcServer server;
    try {
      server = new TsoGrpcServer(HOST, 0, new TsoGrpcService(oracle, MemberDirectory.of("n1", Map.of("n1", ""))))
          .start();
    } catch (IOException e) {
      oracle.close();
      driver.close();
      throw e;
    }
    List<AutoCloseable> parts = List.of(server, oracle, driver);
    return new LocalCluster(parts, List.of(server.endpoint()), List.of(oracle), "tso4j memory driver");
  }

  /** The client endpoints. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** A short description, e.g. {@code tso4j 3-node ratis}. */
  public String description() {
    return description;
  }

  /** Waits until some node serves; returns whether one did within {@code max}. */
  public boolean awaitServing(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() - deadline < 0) {
      for (TimestampOracle o : oracles) {
        if (o.state().serving()) {
          return true;
        }
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** The Ratis nodes, in peer order (empty for the in-memory driver). */
  public List<TsoNode> nodes() {
    return List.copyOf(nodes);
  }

  /** The Ratis node that serves now, if any (always empty for the in-memory driver). */
  public Optional<TsoNode> servingNode() {
    return nodes.stream().filter(n -> n.oracle().state().serving()).findFirst();
  }

  /** Stops every part at once (so stopping one node does not start an election among the others). */
  @Override
  public void close() {
    closeAll(parts);
  }

  private static void closeAll(List<? extends AutoCloseable> parts) {
    parts.parallelStream().forEach(p -> {
      try {
        p.close();
      } catch (Exception e) {
        // Best effort on shutdown.
      }
    });
  }

  /** A free TCP port on the loopback address (free when asked; another process may take it after). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
