package io.tso4j.testkit.cluster;

import static org.awaitility.Awaitility.await;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.RatisDriver;
import io.tso4j.ratis.RatisDriverConfig;
import io.tso4j.testkit.faults.RaftFaultInjection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * An in-process test cluster of N tso4j nodes on 127.0.0.1, each a {@link RatisDriver} (real files under a base
 * directory) plus a {@link TimestampOracle} with {@link FenceConfig#defaults()} and the system clock, unless set per
 * node ({@link #setRpcTimeout}, {@link #setClock}, {@link #setFence}; they take effect at the node's next restart).
 *
 * <p>Nodes are addressed by index 0..N-1. Peer ids are unique per cluster instance (so fault injection of one cluster
 * never touches another in the same JVM). Not thread-safe: drive it from the test thread.
 */
public final class RatisTestCluster implements AutoCloseable {
  private static final AtomicInteger CLUSTERS = new AtomicInteger();

  private final Path baseDir;
  private final long snapshotThreshold;
  private final List<String> ids = new ArrayList<>();
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final RatisDriver[] drivers;
  private final TimestampOracle[] oracles;
  private final boolean[] running;
  private final Duration[][] rpcTimeouts;
  private final TsoClock[] clocks;
  private final FenceConfig[] fences;
  private final List<Throwable> fatalErrors = Collections.synchronizedList(new ArrayList<>());

  private RatisTestCluster(int size, Path baseDir, long snapshotThreshold) throws IOException {
    this.baseDir = baseDir;
    this.snapshotThreshold = snapshotThreshold;
    int cluster = CLUSTERS.incrementAndGet();
    for (int i = 0; i < size; i++) {
      String id = "c" + cluster + "n" + i;
      ids.add(id);
      peers.put(id, "127.0.0.1:" + freePort());
    }
    drivers = new RatisDriver[size];
    oracles = new TimestampOracle[size];
    running = new boolean[size];
    rpcTimeouts = new Duration[size][];
    clocks = new TsoClock[size];
    fences = new FenceConfig[size];
    for (int i = 0; i < size; i++) {
      rpcTimeouts[i] = new Duration[] {RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MIN,
          RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MAX};
      clocks[i] = TsoClock.system();
      fences[i] = FenceConfig.defaults();
    }
  }

  /**
   * A cluster that is not started yet: set per-node options, then {@link #startAll()}. Nodes default to the Raft
   * election timeouts of {@link RatisDriverConfig} (lease 0.8 × the minimum), the system clock and {@link
   * FenceConfig#defaults()}.
   */
  public static RatisTestCluster create(int size, Path baseDir, long snapshotThreshold) throws IOException {
    return new RatisTestCluster(size, baseDir, snapshotThreshold);
  }

  /** Starts every node that does not run (closing the cluster if one fails). */
  public RatisTestCluster startAll() throws Exception {
    try {
      for (int i = 0; i < size(); i++) {
        if (!running[i]) {
          restart(i);
        }
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
    return this;
  }

  /** Node {@code i}'s Raft election timeouts from its next (re)start on; its lease is 0.8 × {@code min}. */
  public RatisTestCluster setRpcTimeout(int i, Duration min, Duration max) {
    rpcTimeouts[i] = new Duration[] {min, max};
    return this;
  }

  /** Node {@code i}'s clocks from its next (re)start on (fault injection: a skewed or stepped wall clock). */
  public RatisTestCluster setClock(int i, TsoClock clock) {
    clocks[i] = clock;
    return this;
  }

  /** Node {@code i}'s fence settings from its next (re)start on. */
  public RatisTestCluster setFence(int i, FenceConfig fence) {
    fences[i] = fence;
    return this;
  }

  /** Starts a cluster of {@code size} nodes with data under {@code baseDir}, no automatic snapshots. */
  public static RatisTestCluster start(int size, Path baseDir) throws Exception {
    return start(size, baseDir, 0);
  }

  /** Starts a cluster whose nodes snapshot every {@code snapshotThreshold} entries (0: never). */
  public static RatisTestCluster start(int size, Path baseDir, long snapshotThreshold) throws Exception {
    return new RatisTestCluster(size, baseDir, snapshotThreshold).startAll();
  }

  /** The number of nodes. */
  public int size() {
    return ids.size();
  }

  /** The peer id of node {@code i}. */
  public String id(int i) {
    return ids.get(i);
  }

  /** The driver configuration of node {@code i}. */
  public RatisDriverConfig config(int i) {
    RatisDriverConfig.Builder b = RatisDriverConfig.builder().nodeId(ids.get(i)).peers(peers).dataDir(dataDir(i))
        .rpcTimeout(rpcTimeouts[i][0], rpcTimeouts[i][1]);
    if (snapshotThreshold > 0) {
      b.snapshotThreshold(snapshotThreshold);
    }
    return b.build();
  }

  /** The data directory of node {@code i}. */
  public Path dataDir(int i) {
    return baseDir.resolve(ids.get(i));
  }

  /** The current (or last) driver of node {@code i}. */
  public RatisDriver driver(int i) {
    return drivers[i];
  }

  /** The current (or last) oracle of node {@code i}; after a kill it still reports what it handed out. */
  public TimestampOracle oracle(int i) {
    return oracles[i];
  }

  /** Whether node {@code i} runs. */
  public boolean isRunning(int i) {
    return running[i];
  }

  /** Fatal errors reported by any oracle (poisoning); a healthy test sees none. */
  public List<Throwable> fatalErrors() {
    return List.copyOf(fatalErrors);
  }

  /** Waits until some running node serves, and returns its index. */
  public int awaitServingLeader() {
    return awaitServingLeader(i -> true);
  }

  /** Waits until a running node matching {@code eligible} serves (at most 15 s), and returns its index. */
  public int awaitServingLeader(IntPredicate eligible) {
    int[] found = {-1};
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10)).until(() -> {
      OptionalInt s = IntStream.range(0, size())
          .filter(i -> running[i] && eligible.test(i) && oracles[i].state().serving())
          .findFirst();
      s.ifPresent(i -> found[0] = i);
      return s.isPresent();
    });
    return found[0];
  }

  /** Allocates one timestamp on node {@code i}, retrying refusals for up to 5 s. */
  public Grant allocate(int i) {
    Grant[] g = new Grant[1];
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> {
      try {
        g[0] = oracles[i].allocate(1);
        return true;
      } catch (RefusedException e) {
        return false;
      }
    });
    return g[0];
  }

  /** Stops node {@code i} (oracle and driver; its files stay). */
  public void kill(int i) {
    if (!running[i]) {
      return;
    }
    running[i] = false;
    oracles[i].close();
    drivers[i].close();
  }

  /** Starts node {@code i} again on the same port and data directory. */
  public void restart(int i) throws ConsensusException {
    if (running[i]) {
      throw new IllegalStateException("node " + i + " is running");
    }
    RatisDriver driver = RatisDriver.create(config(i));
    TimestampOracle oracle;
    try {
      oracle = new TimestampOracle(driver, fences[i], clocks[i], fatalErrors::add);
    } catch (RuntimeException e) {
      driver.close();
      throw e;
    }
    try {
      oracle.start();
    } catch (ConsensusException | RuntimeException e) {
      oracle.close();
      driver.close();
      throw e;
    }
    drivers[i] = driver;
    oracles[i] = oracle;
    running[i] = true;
  }

  /** Cuts node {@code i} off from the others (both directions). */
  public void isolate(int i) {
    RaftFaultInjection.isolate(ids.get(i));
  }

  /** Reconnects node {@code i}. */
  public void deIsolate(int i) {
    RaftFaultInjection.heal(ids.get(i));
  }

  /** Heals every partition and stops every node (in parallel: closing a Ratis leader can block for a while). */
  @Override
  public void close() {
    ids.forEach(RaftFaultInjection::heal);
    List<Thread> closers = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      int n = i;
      Thread t = new Thread(() -> kill(n), "close-" + ids.get(i));
      t.start();
      closers.add(t);
    }
    for (Thread t : closers) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
