package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tso4j.proto.v1.ServingStateEvent;
import io.tso4j.proto.v1.ServingStateEvent.Kind;
import io.tso4j.proto.v1.ServingStateWatchGrpc;
import io.tso4j.proto.v1.ServingStatus;
import io.tso4j.proto.v1.WatchServingStateRequest;
import io.tso4j.core.ServingState;
import io.tso4j.core.ServingState.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serving-state watch (peat-sidecar #6): replay, RESYNC on a gone point, RESYNC on a slow subscriber. */
final class ServingStateWatchServiceTest {
  private static final int CAPACITY = 8;

  private ServingStateLog log;
  private ServingStateWatchService service;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    log = new ServingStateLog(CAPACITY, "inc-1", () -> 1_000L);
    MemberDirectory dir = MemberDirectory.of("n1", Map.of("n1", "127.0.0.1:7001", "n2", "127.0.0.1:7002"));
    service = new ServingStateWatchService(log, dir);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void tearDown() throws Exception {
    service.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static ServingState state(int i) {
    // Alternate so that every publish is a change: SERVING(i) / FROZEN(i).
    return new ServingState(i % 2 == 0 ? Status.SERVING : Status.FROZEN, i, Optional.of("n2"));
  }

  private void publish(int from, int to) {
    for (int i = from; i <= to; i++) {
      log.accept(state(i));
    }
  }

  /** A subscriber that collects events; with {@code initialRequests} > 0 it reads only that many until told more. */
  private static final class Collector implements ClientResponseObserver<WatchServingStateRequest, ServingStateEvent> {
    final List<ServingStateEvent> events = new CopyOnWriteArrayList<>();
    final AtomicBoolean completed = new AtomicBoolean();
    final AtomicReference<ClientCallStreamObserver<WatchServingStateRequest>> call = new AtomicReference<>();
    private final int initialRequests;

    Collector(int initialRequests) {
      this.initialRequests = initialRequests;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchServingStateRequest> requestStream) {
      call.set(requestStream);
      if (initialRequests > 0) {
        requestStream.disableAutoRequestWithInitial(initialRequests);
      }
    }

    @Override
    public void onNext(ServingStateEvent value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      completed.set(true);
    }

    @Override
    public void onCompleted() {
      completed.set(true);
    }
  }

  private Collector watch(long since, String incarnation, int initialRequests) {
    Collector c = new Collector(initialRequests);
    ServingStateWatchGrpc.newStub(channel).watchServingState(WatchServingStateRequest.newBuilder()
        .setSinceSequence(since).setIncarnation(incarnation).build(), c);
    return c;
  }

  private static List<Long> sequences(List<ServingStateEvent> events) {
    return events.stream().filter(e -> e.getKind() == Kind.KIND_STATE).map(ServingStateEvent::getSequence).toList();
  }

  /** Fails if two STATE events follow each other with a sequence gap and no RESYNC between them. */
  static void assertNoSilentGap(List<ServingStateEvent> events) {
    long last = -1;
    boolean resync = false;
    for (ServingStateEvent e : events) {
      if (e.getKind() == Kind.KIND_RESYNC) {
        resync = true;
        continue;
      }
      if (last >= 0 && !resync && e.getSequence() != last + 1) {
        throw new AssertionError("silent gap " + last + " -> " + e.getSequence() + " in " + sequences(events));
      }
      last = e.getSequence();
      resync = false;
    }
  }

  @Test
  void liveSubscriberSeesEveryChangeInOrder() {
    publish(1, 3);
    Collector c = watch(0, "", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 1);
    assertThat(c.events.get(0).getKind()).isEqualTo(Kind.KIND_STATE);
    assertThat(c.events.get(0).getSequence()).as("starts with the current state").isEqualTo(3);
    // A subscriber that keeps up (changes come in bursts smaller than the buffer) never sees a RESYNC.
    for (int from = 4; from <= 40; from += 4) {
      int to = Math.min(40, from + 3);
      publish(from, to);
      int expected = to - 2;
      await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == expected);
    }
    assertThat(sequences(c.events)).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(3, 40).boxed().toList());
    assertThat(c.events).noneMatch(e -> e.getKind() == Kind.KIND_RESYNC);
    ServingStateEvent last = c.events.get(c.events.size() - 1);
    assertThat(last.getStatus()).isEqualTo(ServingStatus.SERVING_STATUS_SERVING);
    assertThat(last.getTerm()).isEqualTo(40);
    assertThat(last.getLeader().getId()).isEqualTo("n2");
    assertThat(last.getLeader().getEndpoint()).isEqualTo("127.0.0.1:7002");
    assertThat(last.getNodeId()).isEqualTo("n1");
    assertThat(last.getIncarnation()).isEqualTo("inc-1");
    assertNoSilentGap(c.events);
  }

  @Test
  void replaysFromARequestedSequenceThenStreamsLive() {
    publish(1, 5);
    Collector c = watch(2, "inc-1", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 3);
    assertThat(sequences(c.events)).containsExactly(3L, 4L, 5L);
    assertThat(c.events.get(0).getStatus()).isEqualTo(ServingStatus.SERVING_STATUS_FROZEN);
    assertThat(c.events.get(0).getTerm()).isEqualTo(3);
    publish(6, 6);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 4);
    assertThat(c.events.get(3).getSequence()).isEqualTo(6);
    assertThat(c.events).noneMatch(e -> e.getKind() == Kind.KIND_RESYNC);
  }

  @Test
  void sequenceNoLongerBufferedGetsResyncThenCurrentState() {
    publish(1, 20);
    assertThat(log.oldestSequence()).isEqualTo(20 - CAPACITY + 1);
    Collector c = watch(3, "", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 2);
    assertThat(c.events.get(0).getKind()).isEqualTo(Kind.KIND_RESYNC);
    assertThat(c.events.get(0).getSequence()).isEqualTo(20);
    assertThat(c.events.get(1).getKind()).isEqualTo(Kind.KIND_STATE);
    assertThat(c.events.get(1).getSequence()).isEqualTo(20);
    assertThat(c.events.get(1).getTerm()).isEqualTo(20);
    publish(21, 22);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 4);
    assertNoSilentGap(c.events);
  }

  @Test
  void lastBufferedPointStillReplaysWithoutResync() {
    publish(1, 20);
    // Entries 13..20 are kept: since=12 needs 13 onwards, which is all there.
    Collector c = watch(12, "", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 8);
    assertThat(c.events).noneMatch(e -> e.getKind() == Kind.KIND_RESYNC);
    assertThat(sequences(c.events).get(0)).isEqualTo(13);
  }

  @Test
  void futureSequenceOrOtherIncarnationGetsResync() {
    publish(1, 5);
    Collector future = watch(99, "", 0);
    Collector other = watch(2, "inc-0", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> future.events.size() == 2 && other.events.size() == 2);
    assertThat(future.events.get(0).getKind()).isEqualTo(Kind.KIND_RESYNC);
    assertThat(other.events.get(0).getKind()).isEqualTo(Kind.KIND_RESYNC);
    assertThat(other.events.get(1).getSequence()).isEqualTo(5);
  }

  @Test
  void slowSubscriberThatFallsBehindTheBufferGetsResyncNotASilentGap() {
    publish(1, 1);
    Collector c = watch(0, "", 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 1);
    // The subscriber reads nothing more while 30 changes (more than the buffer) are published.
    publish(2, 31);
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> c.events.size() <= 2);
    c.call.get().request(1_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> sequences(c.events).contains(31L));
    assertThat(c.events).anyMatch(e -> e.getKind() == Kind.KIND_RESYNC);
    assertNoSilentGap(c.events);
    assertThat(c.events.get(c.events.size() - 1).getSequence()).isEqualTo(31);
  }

  @Test
  void gapCheckerCatchesASilentGap() {
    ServingStateEvent e1 = ServingStateEvent.newBuilder().setKind(Kind.KIND_STATE).setSequence(1).build();
    ServingStateEvent e3 = ServingStateEvent.newBuilder().setKind(Kind.KIND_STATE).setSequence(3).build();
    ServingStateEvent r = ServingStateEvent.newBuilder().setKind(Kind.KIND_RESYNC).setSequence(3).build();
    assertThatThrownBy(() -> assertNoSilentGap(List.of(e1, e3))).isInstanceOf(AssertionError.class);
    assertNoSilentGap(List.of(e1, r, e3));
  }

  @Test
  void closeEndsTheStream() {
    publish(1, 2);
    Collector c = watch(0, "", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.events.size() == 1);
    log.accept(new ServingState(Status.STOPPED, 2, Optional.empty()));
    service.close();
    await().atMost(Duration.ofSeconds(5)).until(c.completed::get);
    assertThat(c.events.get(c.events.size() - 1).getStatus()).isEqualTo(ServingStatus.SERVING_STATUS_STOPPED);
    assertThat(service.subscribers()).isZero();
  }
}
