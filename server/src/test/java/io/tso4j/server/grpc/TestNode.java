package io.tso4j.server.grpc;

import static org.awaitility.Awaitility.await;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.core.memory.InMemoryDriver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** One node for tests: an InMemoryDriver, a real TimestampOracle, the gRPC service and a server on 127.0.0.1:0. */
final class TestNode implements AutoCloseable {
  static final Duration LEASE = Duration.ofMillis(100);
  static final Duration STARTUP = Duration.ofSeconds(10);

  final InMemoryDriver driver;
  final BreakableDriver breakable;
  final TimestampOracle oracle;
  final TsoGrpcService service;
  final TsoGrpcServer server;
  final List<Throwable> fatalErrors = new CopyOnWriteArrayList<>();

  private TestNode(String id, LeadershipEvent initial, Map<String, String> members) throws IOException {
    driver = new InMemoryDriver(id, LEASE, initial);
    breakable = new BreakableDriver(driver);
    oracle = new TimestampOracle(breakable, FenceConfig.defaults(), TsoClock.system(), fatalErrors::add);
    try {
      oracle.start();
    } catch (ConsensusException e) {
      throw new IllegalStateException(e);
    }
    service = new TsoGrpcService(oracle, MemberDirectory.of(id, members));
    server = new TsoGrpcServer("127.0.0.1", 0, service, Duration.ofMillis(500)).start();
  }

  /** A node that leads in term 1 and serves; its own endpoint is unknown to its directory. */
  static TestNode leader(String id) throws IOException {
    TestNode n = new TestNode(id, new LeadershipEvent.Leader(1), Map.of(id, ""));
    await().atMost(STARTUP).until(() -> n.oracle.state().serving());
    return n;
  }

  /** A node that follows {@code leaderId} in {@code term}; {@code members} must include {@code id}. */
  static TestNode follower(String id, long term, String leaderId, Map<String, String> members) throws IOException {
    TestNode n = new TestNode(id, InMemoryDriver.follower(term, leaderId), members);
    await().atMost(STARTUP).until(() -> n.oracle.state().leaderId().filter(leaderId::equals).isPresent());
    return n;
  }

  /** A node that knows no leader yet (an election under way); its own endpoint is unknown to its directory. */
  static TestNode withoutLeader(String id) throws IOException {
    return new TestNode(id, new LeadershipEvent.Unknown(0), Map.of(id, ""));
  }

  String endpoint() {
    return server.endpoint();
  }

  @Override
  public void close() {
    server.close();
    oracle.close();
    driver.close();
  }
}
