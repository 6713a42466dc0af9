package io.tso4j.client.internal;

import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A {@link Transport} that a test drives by hand: it records every stream opened (with the requests sent on it and
 * whether it was cancelled) and every GetMembers poll (answered when the test calls {@link Poll#answer}). Thread-safe
 * enough for tests that drive it from one thread.
 */
final class FakeTransport implements Transport {
  /** One opened stream. */
  static final class Stream implements TimestampStream {
    final String endpoint;
    final TimestampStream.Listener listener;
    final List<GetTimestampRequest> sent = new ArrayList<>();
    String cancelled;

    Stream(String endpoint, TimestampStream.Listener listener) {
      this.endpoint = endpoint;
      this.listener = listener;
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public synchronized void send(int count, long requestId) {
      sent.add(GetTimestampRequest.newBuilder().setCount(count).setRequestId(requestId).build());
    }

    @Override
    public synchronized void cancel(String why) {
      cancelled = why;
    }

    synchronized List<GetTimestampRequest> sent() {
      return List.copyOf(sent);
    }
  }

  /** One GetMembers poll. */
  record Poll(String endpoint, BiConsumer<GetMembersResponse, Throwable> done) {
    void answer(GetMembersResponse r) {
      done.accept(r, null);
    }

    void fail(Throwable t) {
      done.accept(null, t);
    }
  }

  final List<Stream> streams = new ArrayList<>();
  final List<Poll> polls = new ArrayList<>();

  @Override
  public synchronized TimestampStream open(String endpoint, TimestampStream.Listener listener) {
    Stream s = new Stream(endpoint, listener);
    streams.add(s);
    return s;
  }

  @Override
  public synchronized void getMembers(String endpoint, long timeoutNanos,
      BiConsumer<GetMembersResponse, Throwable> done) {
    polls.add(new Poll(endpoint, done));
  }

  synchronized Stream last() {
    return streams.get(streams.size() - 1);
  }

  synchronized Poll lastPoll() {
    return polls.get(polls.size() - 1);
  }
}
