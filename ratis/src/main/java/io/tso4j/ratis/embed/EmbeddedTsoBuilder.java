package io.tso4j.ratis.embed;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.RatisDriver;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both embedding modes configure alike: fence settings, clocks, the write timeout, the fatal-error handler and
 * the gRPC endpoints of the members. {@link #start()} builds the driver for the mode, starts the oracle and returns the
 * running {@link EmbeddedTso}. Not thread-safe; use once.
 *
 * @param <B> the concrete builder type (for chaining)
 */
public abstract class EmbeddedTsoBuilder<B extends EmbeddedTsoBuilder<B>> {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTsoBuilder.class);

  /** The default time one high-water write may take before it counts as transient. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(3);

  final RaftServer server;
  final RaftGroupId groupId;
  private FenceConfig fence = FenceConfig.defaults();
  private TsoClock clock = TsoClock.system();
  private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
  private Consumer<Throwable> fatalHandler;
  private final Map<String, String> clientEndpoints = new LinkedHashMap<>();

  EmbeddedTsoBuilder(RaftServer server, RaftGroupId groupId) {
    this.server = Objects.requireNonNull(server, "server");
    this.groupId = Objects.requireNonNull(groupId, "groupId");
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * The leader watch and window settings (default {@link FenceConfig#defaults()}: the keep-alive interval is derived
   * from the lease by {@link FenceConfig#keepAliveIntervalFor}). Checked against the lease at {@link #start()}.
   */
  public B fence(FenceConfig config) {
    this.fence = Objects.requireNonNull(config, "fence");
    return self();
  }

  /** The clocks (default the system clocks). */
  public B clock(TsoClock c) {
    this.clock = Objects.requireNonNull(c, "clock");
    return self();
  }

  /** How long one high-water write through Raft may take before it counts as transient (default 3 s). */
  public B requestTimeout(Duration d) {
    this.requestTimeout = Objects.requireNonNull(d, "requestTimeout");
    return self();
  }

  /**
   * Runs (on its own thread) when the oracle is poisoned by a permanent error and will never serve again. The
   * default logs the error; a host would typically stop what depends on timestamps.
   */
  public B onFatal(Consumer<Throwable> handler) {
    this.fatalHandler = Objects.requireNonNull(handler, "handler");
    return self();
  }

  /**
   * The tso4j gRPC endpoint ({@code host:port}) of a member, used for leader hints when the
   * oracle is served over gRPC ({@code EmbeddedGrpc} in tso4j-server). Members without one get no hint (clients then try their other endpoints).
   */
  public B clientEndpoint(String memberId, String endpoint) {
    clientEndpoints.put(Objects.requireNonNull(memberId, "memberId"), Objects.requireNonNull(endpoint, "endpoint"));
    return self();
  }

  /**
   * Builds the driver, starts the oracle and returns the running embedded TSO. It serves once this node leads (the
   * TSO group in co-hosted mode, the host's group in piggyback mode) and its fence completed.
   *
   * @throws ConsensusException PERMANENT if the server does not host the group or its state machine does not fit
   * @throws IllegalArgumentException if the server's settings make the lease unsafe (pre-vote disabled), or the
   *     fence settings do not fit the lease the server's election timeout gives (the message names both values)
   */
  public EmbeddedTso start() throws ConsensusException {
    prepare();
    RatisDriver driver = newDriver(requestTimeout);
    try {
      fence.checkAgainstLease(driver.leaseDuration());
    } catch (IllegalArgumentException e) {
      driver.close();
      throw e;
    }
    String id = driver.localId();
    Consumer<Throwable> fatal = fatalHandler != null ? fatalHandler
        : e -> LOG.error("[{}] embedded TSO poisoned; it will not serve again", id, e);
    EmbeddedTso tso = new EmbeddedTso(mode(), driver, fence, clock, fatal, Map.copyOf(clientEndpoints));
    tso.startOracle();
    return tso;
  }

  /** Work before the driver is built (co-hosted: add the group if missing). */
  void prepare() throws ConsensusException {
  }

  /** The driver of this mode. */
  abstract RatisDriver newDriver(Duration timeout);

  /** This builder's mode. */
  abstract EmbeddedTso.Mode mode();
}
