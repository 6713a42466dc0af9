package io.tso4j.examples.singlenode;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.RatisDriver;
import io.tso4j.ratis.RatisDriverConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * tso4j in one JVM for development and tests: a single-node, durable Ratis group on a local data directory, used
 * in-process. Timestamps survive restarts (a restarted TSO starts above everything it handed out before), but there
 * is no fault tolerance: use a 3-node cluster in production.
 */
public final class DevTso implements AutoCloseable {
  private final RatisDriver driver;
  private final TimestampOracle oracle;

  private DevTso(RatisDriver driver, TimestampOracle oracle) {
    this.driver = driver;
    this.oracle = oracle;
  }

  /**
   * Opens (creating or recovering) the TSO stored in {@code dataDir}, with Raft on a free loopback port, and waits
   * up to {@code maxWaitMillis} until it serves.
   *
   * @throws ConsensusException if the data directory is unusable or the TSO does not start
   */
  public static DevTso open(Path dataDir, long maxWaitMillis) throws ConsensusException, IOException,
      InterruptedException {
    RatisDriver driver = RatisDriver.create(RatisDriverConfig.builder().nodeId("dev")
        .peer("dev", "127.0.0.1:" + freePort()).dataDir(dataDir).snapshotThreshold(10_000).build());
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(),
        e -> System.err.println("tso4j poisoned: " + e));
    try {
      oracle.start();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
      while (!oracle.state().serving()) {
        if (System.nanoTime() - deadline > 0) {
          throw new ConsensusException(ConsensusException.Kind.TRANSIENT, "TSO did not serve within "
              + maxWaitMillis + " ms");
        }
        Thread.sleep(10);
      }
    } catch (ConsensusException | InterruptedException | RuntimeException e) {
      oracle.close();
      driver.close();
      throw e;
    }
    return new DevTso(driver, oracle);
  }

  /**
   * The next timestamp (packed 64-bit: physical ms << 18 | logical).
   *
   * @throws RefusedException if the oracle does not serve (closed, or poisoned)
   */
  public long next() throws RefusedException {
    return oracle.allocate(1).first();
  }

  /** The in-process oracle, for ranges ({@code allocate(n)}) and state. */
  public TimestampOracle oracle() {
    return oracle;
  }

  /** Stops the oracle and the Ratis server; the data directory keeps the high-water mark. */
  @Override
  public void close() {
    oracle.close();
    driver.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
