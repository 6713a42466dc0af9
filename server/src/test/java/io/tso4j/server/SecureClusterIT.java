package io.tso4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.tso4j.client.TsoClient;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.TestPki;
import io.tso4j.server.grpc.HealthReporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link TsoNode}s with TLS on the client port and mutual TLS on the Raft port (the node's own reloading
 * managers under Ratis): the cluster forms, a TLS client gets timestamps, health tells the leader from the followers,
 * reflection lists the services, and after the leader stops the others elect, fence and serve higher timestamps.
 */
@Timeout(120)
final class SecureClusterIT {
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final List<TsoNode> nodes = new ArrayList<>();
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ChannelCredentials clientCredentials;

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    nodes.parallelStream().forEach(TsoNode::close);
  }

  @Test
  void aTlsClusterServesHealthAndReflectionAndSurvivesTheLeadersStop() throws Exception {
    Path pkiDir = Files.createDirectories(dir.resolve("pki"));
    TestPki pki = new TestPki(pkiDir);
    TestPki.Issued ca = pki.ca("ca");
    TestPki.Issued peerCa = pki.ca("peer-ca");
    clientCredentials = TlsChannelCredentials.newBuilder().trustManager(ca.certFile().toFile()).build();
    List<PeerSpec> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      peers.add(new PeerSpec("s" + i, "127.0.0.1", LocalCluster.freePort(), LocalCluster.freePort()));
    }
    for (PeerSpec p : peers) {
      TestPki.Issued server = pki.server(p.id() + "-client", ca);
      TestPki.Issued peer = pki.peer(p.id() + "-peer", peerCa);
      NodeSecurity security = NodeSecurity.plaintext()
          .withClientTls(TlsFiles.of(server.certFile(), server.keyFile()))
          .withPeerTls(TlsFiles.mutual(peer.certFile(), peer.keyFile(), peerCa.certFile()));
      nodes.add(TsoNode.start(new TsoNode.Config(p.id(), peers, "127.0.0.1", p.clientPort(),
          dir.resolve(p.id()), Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(),
          TsoClock.system()), NodeTuning.defaults(), security, fatal::add));
    }
    List<String> endpoints = nodes.stream().map(TsoNode::endpoint).collect(Collectors.toList());
    try (TsoClient client = TsoClient.newBuilder().endpoints(endpoints).tls(ca.certFile()).callTimeout(GENEROUS)
        .build()) {
      long first = client.getTimestamp().toLong();
      TsoNode leader = await().atMost(GENEROUS).until(this::servingNode, Optional::isPresent).orElseThrow();

      for (TsoNode n : nodes) {
        boolean leads = n == leader;
        await().atMost(GENEROUS).until(() -> health(n, HealthReporter.NODE) == ServingStatus.SERVING
            && health(n, HealthReporter.ORACLE) == (leads ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
      }
      assertThat(reflectedServices(leader)).contains("tso4j.v1.TimestampOracle", "tso4j.v1.ServingStateWatch",
          "grpc.health.v1.Health");

      leader.close();
      nodes.remove(leader);
      long second = client.getTimestamp().toLong();
      assertThat(second).as("the next leader fenced above the first").isGreaterThan(first);
      TsoNode next = await().atMost(GENEROUS).until(this::servingNode, Optional::isPresent).orElseThrow();
      assertThat(health(next, HealthReporter.ORACLE)).isEqualTo(ServingStatus.SERVING);
    }
    assertThat(fatal).isEmpty();
  }

  @Test
  void aPlaintextLoopbackNodeServesHealthAndNoReflectionWhenTurnedOff() throws Exception {
    clientCredentials = io.grpc.InsecureChannelCredentials.create();
    List<PeerSpec> peers = List.of(new PeerSpec("p1", "127.0.0.1", LocalCluster.freePort(), LocalCluster.freePort()));
    TsoNode node = TsoNode.start(new TsoNode.Config("p1", peers, "127.0.0.1", peers.get(0).clientPort(),
        dir.resolve("p1"), Duration.ofMillis(200), Duration.ofMillis(400), FenceConfig.defaults(),
        TsoClock.system()), NodeTuning.defaults(), NodeSecurity.plaintext().withReflection(false), fatal::add);
    nodes.add(node);
    await().atMost(GENEROUS).until(() -> health(node, HealthReporter.ORACLE) == ServingStatus.SERVING);
    assertThat(health(node, HealthReporter.NODE)).isEqualTo(ServingStatus.SERVING);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> reflectedServices(node))
        .hasStackTraceContaining("UNIMPLEMENTED");
  }

  private Optional<TsoNode> servingNode() {
    return nodes.stream().filter(n -> n.oracle().state().serving()).findFirst();
  }

  private ManagedChannel channel(TsoNode n) {
    ManagedChannel c = Grpc.newChannelBuilder(n.endpoint(), clientCredentials).build();
    channels.add(c);
    return c;
  }

  private ServingStatus health(TsoNode n, String service) {
    return HealthGrpc.newBlockingStub(channel(n)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private List<String> reflectedServices(TsoNode n) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel(n))
        .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            answer.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(ServiceResponse::getName).collect(Collectors.toList());
  }
}
