package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tso4j.core.ServingState;
import io.tso4j.core.ServingState.Status;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The health service names follow the serving state: Check and Watch over a real (in-process) gRPC server. */
@Timeout(30)
final class HealthReporterTest {
  private final HealthReporter reporter = new HealthReporter();
  private Server server;
  private ManagedChannel channel;
  private HealthGrpc.HealthBlockingStub health;

  @BeforeEach
  void setUp() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(reporter.service()).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private ServingStatus check(String service) {
    return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private void publish(Status status, String leader) {
    reporter.accept(new ServingState(status, 3, Optional.ofNullable(leader)));
  }

  @Test
  void theLeaderThatServesIsServingUnderBothNames() {
    publish(Status.SERVING, "n1");
    assertThat(check(HealthReporter.NODE)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(HealthReporter.ORACLE)).isEqualTo(ServingStatus.SERVING);
    assertThat(HealthReporter.ORACLE).isEqualTo("tso4j.v1.TimestampOracle");
  }

  @Test
  void aFollowerThatKnowsTheLeaderIsAHealthyMemberButDoesNotServe() {
    publish(Status.NOT_SERVING, "n2");
    assertThat(check(HealthReporter.NODE)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(HealthReporter.ORACLE)).isEqualTo(ServingStatus.NOT_SERVING);
    publish(Status.FENCING, "n1");
    assertThat(check(HealthReporter.NODE)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(HealthReporter.ORACLE)).isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void noLeaderFrozenPoisonedAndStoppedAreNotServing() {
    for (Status s : new Status[] {Status.FROZEN, Status.POISONED, Status.STOPPED}) {
      publish(s, "n1");
      assertThat(check(HealthReporter.NODE)).as("%s", s).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(check(HealthReporter.ORACLE)).as("%s", s).isEqualTo(ServingStatus.NOT_SERVING);
    }
    publish(Status.NOT_SERVING, null);
    assertThat(check(HealthReporter.NODE)).isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void watchSeesEveryChangeAndCloseEndsInNotServing() {
    publish(Status.NOT_SERVING, null);
    Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .watch(HealthCheckRequest.newBuilder().setService(HealthReporter.ORACLE).build());
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    publish(Status.SERVING, "n1");
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);
    reporter.close();
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    publish(Status.SERVING, "n1");
    assertThat(check(HealthReporter.ORACLE)).as("after close, states are ignored").isEqualTo(ServingStatus.NOT_SERVING);
  }
}
