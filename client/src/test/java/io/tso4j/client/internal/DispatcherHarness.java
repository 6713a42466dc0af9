package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link StreamDispatcher} wired to a {@link FakeTransport} and {@link ManualTime}: the test opens nothing, sends
 * nothing and waits for nothing; it answers requests and moves time by hand. Responses hand out consecutive
 * milliseconds from {@link #PHYSICAL}.
 */
final class DispatcherHarness implements AutoCloseable {
  static final long PHYSICAL = 1_700_000_000_000L;

  final ManualTime time = new ManualTime();
  final FakeTransport transport = new FakeTransport();
  final MetricsHub metrics = new MetricsHub("test");
  final OrderGuard guard = new OrderGuard(metrics);
  final LeaderCache leaders = new LeaderCache();
  final ClusterView view;
  final ChannelPool channels = new ChannelPool();
  final StreamDispatcher dispatcher;
  final Rebootstrap rebootstrap;
  private long nextPhysical = PHYSICAL;

  DispatcherHarness(List<String> endpoints, int maxInFlight) {
    this(endpoints, maxInFlight, Duration.ofSeconds(1));
  }

  DispatcherHarness(List<String> endpoints, int maxInFlight, Duration attemptTimeout) {
    ClientSettings settings = new ClientSettings(endpoints, Duration.ofSeconds(5), attemptTimeout, 4,
        Duration.ofMillis(20), Duration.ofMillis(500), maxInFlight, ChannelSecurity.plaintext(), time, time);
    view = new ClusterView(endpoints);
    FailoverContext failover = new FailoverContext(leaders, view, new Reachability(time),
        new Backoff(settings.backoffBase(), settings.backoffMax()), settings.maxRedirects(), time);
    rebootstrap = new Rebootstrap(channels, view, Runnable::run);
    CallEnvironment env = new CallEnvironment(settings, channels, failover, time, metrics, rebootstrap);
    dispatcher = new StreamDispatcher(env, transport, guard, () -> { });
  }

  CompletableFuture<TimestampRange> call(int count) {
    return dispatcher.dispatch(count);
  }

  /** Answers request {@code index} of {@code s} in {@code term} with the next millisecond. */
  void answer(FakeTransport.Stream s, int index, long term) {
    GetTimestampRequest r = s.sent().get(index);
    GetTimestampResponse resp = GetTimestampResponse.newBuilder().setFirst(Timestamp.pack(nextPhysical++, 0))
        .setCount(r.getCount()).setTerm(term).setRequestId(r.getRequestId()).build();
    s.listener.onResponse(s, resp);
  }

  @Override
  public void close() {
    dispatcher.close();
    channels.close();
  }
}
