package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class TsoGrpcServerTest {
  private TestNode node;

  @BeforeEach
  void setUp() throws Exception {
    node = TestNode.leader("n1");
  }

  @AfterEach
  void tearDown() {
    node.close();
  }

  @Test
  void busyPortFailsWithAMessageNamingTheAddress() {
    int port = node.server.port();
    TsoGrpcServer second = new TsoGrpcServer("127.0.0.1", port, service());

    assertThatThrownBy(second::start)
        .isInstanceOf(BindException.class)
        .hasMessage("address 127.0.0.1:" + port + " is already in use");
    second.close();
  }

  @Test
  void ephemeralPortIsExposedAndServes() throws Exception {
    assertThat(node.server.port()).isPositive();
    assertThat(node.server.endpoint()).isEqualTo("127.0.0.1:" + node.server.port());
    ManagedChannel ch = Loopback.channel(node.server.port());
    try {
      assertThat(TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getMembers(GetMembersRequest.getDefaultInstance()).getResponderId()).isEqualTo("n1");
    } finally {
      Loopback.close(ch);
    }
  }

  @Test
  void closeReleasesThePortAndIsIdempotent() throws Exception {
    TsoGrpcServer first = new TsoGrpcServer("127.0.0.1", 0, service(), Duration.ofMillis(200)).start();
    int port = first.port();

    first.close();
    first.close();

    assertThat(first.isRunning()).isFalse();
    try (TsoGrpcServer again = new TsoGrpcServer("127.0.0.1", port, service()).start()) {
      assertThat(again.port()).isEqualTo(port);
    }
  }

  @Test
  void startsOnlyOnceAndReportsNoPortBeforeStart() throws Exception {
    TsoGrpcServer s = new TsoGrpcServer("127.0.0.1", 0, service());
    assertThatThrownBy(s::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    s.start();
    try {
      assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
    } finally {
      s.close();
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new TsoGrpcServer("127.0.0.1", 65536, service()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
    assertThatThrownBy(() -> new TsoGrpcServer(" ", 0, service()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host");
  }

  private TsoGrpcService service() {
    return new TsoGrpcService(node.oracle, MemberDirectory.single("n1", ""));
  }
}
