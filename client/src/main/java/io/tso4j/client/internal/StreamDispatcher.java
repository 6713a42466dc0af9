package io.tso4j.client.internal;

import io.tso4j.proto.WireKeys;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoOrderViolationException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Coalesces concurrent requests for timestamps onto one StreamTimestamps call to the leader, with up to {@code
 * maxInFlight} requests on the wire, and fails over between endpoints.
 *
 * <p><b>Coalescing.</b> A caller joins a queue. When the stream may take another request, everything queued (up to
 * 262,144 timestamps) becomes one request for the sum of the counts; callers that arrive while requests are in flight
 * wait for the next one, so the batch grows with load. While a response is being handed out, new callers only queue,
 * and the next request is sent once every caller of the response has its range. The server answers in order; each
 * response's range is split among exactly the callers of its request, in order. Nothing is kept for later callers.
 *
 * <p><b>Pipelining.</b> With {@code maxInFlight > 1}, another request may go out while others are in flight, but
 * only once a share of the smoothed round-trip time has passed since the last one ({@code rtt / maxInFlight}), so the
 * requests are spread over the round trip (what PD does with 2 or 4 parallel requests) and a light load still sends
 * one request at a time.
 *
 * <p><b>Failover.</b> The stream goes to the cached leader, else the first known endpoint not yet failed in this
 * round. A refusal with a leader hint goes straight to the hinted leader (at most {@code maxRedirects} times in a
 * row, no backoff); any other failure marks the endpoint failed for the round and moves on. When every known
 * endpoint failed, the client re-bootstraps from its seeds (single flight) and waits a full-jitter exponential backoff
 * before the next round. The requests in flight on a failed stream go back to the head of the queue and are sent
 * again on the next stream (the first server may have handed out those values; they are never returned).
 *
 * <p><b>Deadlines.</b> A sweep every few milliseconds fails callers whose deadline passed (deadline error if their
 * request was on the wire or every attempt timed out, unavailable if a node refused) and treats a request unanswered
 * for {@code attemptTimeout} as a broken stream. A dead stream is rebuilt by the next call; {@link #close()} fails
 * every waiting caller at once.
 *
 * <p>Thread-safety: the state is guarded by {@code this}; futures are completed outside the lock.
 */
final class StreamDispatcher implements TimestampDispatcher {
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final CallEnvironment env;
  private final ClusterView view;
  private final Rebootstrap rebootstrap;
  private final OrderGuard guard;
  private final ClientMetrics metrics;
  private final int maxInFlight;
  private final long callTimeoutNanos;
  private final long attemptTimeoutNanos;
  private final Runnable onFirstServed;
  private boolean served;

  // Guarded by this.
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  private final Set<String> failedThisRound = new HashSet<>();
  private final Set<String> poisoned = new HashSet<>();
  private Stream current;
  private boolean delivering;
  private volatile Thread deliveringThread;
  private boolean backoffPending;
  private boolean sweepArmed;
  private boolean closed;
  private long nextRequestId;
  private long lastSendNanos;
  private long rttNanos;
  private int round;
  private int redirects;
  private Failure lastFailure;
  private long lastFailureNanos;
  private volatile int inFlightCount;

  StreamDispatcher(CallEnvironment env, ClusterView view, Rebootstrap rebootstrap, OrderGuard guard,
      ClientMetrics metrics, int maxInFlight, Runnable onFirstServed) {
    this.onFirstServed = onFirstServed;
    this.env = env;
    this.view = view;
    this.rebootstrap = rebootstrap;
    this.guard = guard;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
    this.callTimeoutNanos = env.settings().callTimeout().toNanos();
    this.attemptTimeoutNanos = env.settings().attemptTimeout().toNanos();
    metrics.inFlightGauge(() -> inFlightCount);
  }

  @Override
  public CompletableFuture<TimestampRange> dispatch(int count) {
    metrics.callStarted();
    long now = System.nanoTime();
    Waiter w = new Waiter(count, guard.highestReturned(), guard.highestTerm(), now + callTimeoutNanos);
    boolean refused;
    synchronized (this) {
      refused = closed;
      if (!refused) {
        queue.addLast(w);
        pump(now);
      }
    }
    if (refused) {
      w.completeExceptionally(closedError());
    }
    return w;
  }

  /**
   * Whether the calling thread is handing out a stream response now (a continuation of an async call). Such a thread
   * must not block on the stream: the stream cannot deliver the next response until it returns.
   */
  boolean onDeliveryThread() {
    return deliveringThread == Thread.currentThread();
  }

  /** How many requests are on the wire. */
  int inFlight() {
    return inFlightCount;
  }

  /** Fails every waiting caller with an unavailable error and ends the stream. Idempotent. */
  void close() {
    List<Waiter> orphans = new ArrayList<>();
    Stream s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = current;
      current = null;
      drainAll(orphans);
    }
    if (s != null) {
      s.call.cancel("the client is closed", null);
    }
    TsoException e = closedError();
    for (Waiter w : orphans) {
      w.completeExceptionally(e);
    }
  }

  // ---- sending (under the lock) ----

  private void pump(long now) {
    if (closed || queue.isEmpty()) {
      return;
    }
    armSweep();
    if (delivering || backoffPending) {
      return;
    }
    if (current == null && !connect()) {
      return;
    }
    while (!queue.isEmpty() && mayStartAnother(now)) {
      Batch b = Batch.take(queue, WireKeys.MAX_COUNT, ++nextRequestId, now);
      if (b == null) {
        return;
      }
      inFlight.addLast(b);
      inFlightCount = inFlight.size();
      lastSendNanos = now;
      metrics.batchSent(b.size, b.total);
      try {
        current.call.sendMessage(GetTimestampRequest.newBuilder().setCount(b.total).setRequestId(b.requestId)
            .build());
      } catch (RuntimeException e) {
        Stream broken = current;
        broken.call.cancel("send failed", e);
        List<Waiter> none = new ArrayList<>();
        streamFailed(broken, new Failure(Failure.Kind.RETRY, new TsoUnavailableException(broken.endpoint
            + " failed: " + e, e), java.util.Optional.empty()), none);
        return;
      }
    }
  }

  private boolean mayStartAnother(long now) {
    int n = inFlight.size();
    if (n == 0) {
      return true;
    }
    return n < maxInFlight && now - lastSendNanos >= rttNanos / maxInFlight;
  }

  /** Opens a stream to the next candidate; false if there is none now (a new round was scheduled, or closed). */
  private boolean connect() {
    String endpoint = nextCandidate();
    if (endpoint == null) {
      if (allPoisoned()) {
        failQueuedNow();
      } else {
        scheduleRound();
      }
      return false;
    }
    ClientCall<GetTimestampRequest, GetTimestampResponse> call;
    try {
      call = env.channels().get(endpoint).newCall(TimestampOracleGrpc.getStreamTimestampsMethod(),
          CallOptions.DEFAULT);
    } catch (IllegalStateException closedPool) {
      return false;
    }
    Stream s = new Stream(endpoint, call);
    current = s;
    call.start(s, new Metadata());
    // Responses never outnumber the requests sent (at most maxInFlight), so there is no need to meter them.
    call.request(Integer.MAX_VALUE);
    return true;
  }

  private String nextCandidate() {
    KnownLeader leader = env.leaders().current();
    if (leader.hasEndpoint() && usable(leader.endpoint())) {
      return leader.endpoint();
    }
    for (String e : view.known()) {
      if (usable(e)) {
        return e;
      }
    }
    return null;
  }

  /** Runs {@code r} on the timer thread (outside the lock); false if the client is closing and it did not run. */
  private boolean runLater(Runnable r) {
    try {
      env.timer().execute(r);
      return true;
    } catch (RejectedExecutionException closing) {
      return false;
    }
  }

  private boolean usable(String endpoint) {
    return !failedThisRound.contains(endpoint) && !poisoned.contains(endpoint);
  }

  private boolean allPoisoned() {
    if (poisoned.isEmpty()) {
      return false;
    }
    KnownLeader leader = env.leaders().current();
    if (leader.hasEndpoint() && !poisoned.contains(leader.endpoint())) {
      return false;
    }
    return poisoned.containsAll(view.known());
  }

  /**
   * Every endpoint is poisoned (will never serve): fail the queued callers now rather than at their deadline, and
   * forget the poisoned marks so that a later call probes again (a node may have been replaced).
   */
  private void failQueuedNow() {
    Failure last = lastFailure;
    TsoException e = new TsoUnavailableException("GetTimestamp: every endpoint is out of service; last: "
        + (last == null ? "none" : last.error().getMessage()), last == null ? null : last.error());
    List<Waiter> failed = new ArrayList<>(queue);
    queue.clear();
    poisoned.clear();
    failedThisRound.clear();
    if (!runLater(() -> failed.forEach(w -> w.completeExceptionally(e)))) {
      failed.forEach(w -> w.completeExceptionally(e));
    }
  }

  /** Every known endpoint failed: back to the seeds, then a new round after a jittered backoff. */
  private void scheduleRound() {
    round++;
    failedThisRound.clear();
    redirects = 0;
    if (rebootstrap.trigger()) {
      metrics.retried(ClientMetrics.RetryReason.REBOOTSTRAP);
    }
    long delay = env.backoff().delayMillis(round);
    try {
      env.timer().schedule(this::onBackoffElapsed, delay, TimeUnit.MILLISECONDS);
      backoffPending = true;
    } catch (RejectedExecutionException closedTimer) {
      // The client is closing; close() fails the waiters.
    }
  }

  private void onBackoffElapsed() {
    synchronized (this) {
      backoffPending = false;
      pump(System.nanoTime());
    }
  }

  // ---- receiving ----

  private void onResponse(Stream s, GetTimestampResponse response) {
    Batch b;
    synchronized (this) {
      if (s != current) {
        return;
      }
      b = inFlight.pollFirst();
      inFlightCount = inFlight.size();
      if (b == null) {
        List<Waiter> none = new ArrayList<>();
        s.call.cancel("unexpected response", null);
        streamFailed(s, new Failure(Failure.Kind.RETRY, new TsoUnavailableException(s.endpoint
            + " sent a response to no request"), java.util.Optional.empty()), none);
        return;
      }
      long now = System.nanoTime();
      long rtt = now - b.sentNanos;
      rttNanos = rttNanos == 0 ? rtt : rttNanos - (rttNanos >> 3) + (rtt >> 3);
      round = 0;
      redirects = 0;
      failedThisRound.clear();
      poisoned.remove(s.endpoint);
      if (!served) {
        served = true;
        runLater(onFirstServed);
      }
      delivering = true;
      deliveringThread = Thread.currentThread();
    }
    try {
      deliver(s.endpoint, b, response);
    } finally {
      synchronized (this) {
        delivering = false;
        deliveringThread = null;
        pump(System.nanoTime());
      }
    }
  }

  /** Checks the response and splits its range among the batch's callers, in order. */
  private void deliver(String endpoint, Batch b, GetTimestampResponse response) {
    long first = response.getFirst();
    long term = response.getTerm();
    try {
      guard.checkResponse(b.total, b.requestId, response);
      long offset = 0;
      for (int i = 0; i < b.size; i++) {
        Waiter w = b.waiters[i];
        guard.checkAbove(w.floor, w.termFloor, first + offset, term);
        offset += w.count;
      }
    } catch (TsoOrderViolationException e) {
      for (int i = 0; i < b.size; i++) {
        b.waiters[i].completeExceptionally(e);
      }
      return;
    }
    guard.record(first + b.total - 1, term);
    if (env.leaders().confirmServed(term, endpoint)) {
      metrics.leaderChanged();
    }
    long offset = 0;
    for (int i = 0; i < b.size; i++) {
      Waiter w = b.waiters[i];
      w.complete(TimestampRange.of(Timestamp.fromLong(first + offset), w.count, term));
      offset += w.count;
    }
  }

  private void onClose(Stream s, Status status, Metadata trailers) {
    List<Waiter> failed = new ArrayList<>();
    Failure f;
    synchronized (this) {
      if (s != current) {
        return;
      }
      if (status.isOk()) {
        f = new Failure(Failure.Kind.RETRY, new TsoUnavailableException(s.endpoint + " ended the stream"),
            java.util.Optional.empty());
      } else {
        f = StatusTranslator.classify(status.asRuntimeException(trailers), s.endpoint);
      }
      streamFailed(s, f, failed);
    }
    for (Waiter w : failed) {
      w.completeExceptionally(f.error());
    }
  }

  /**
   * The stream {@code s} (the current one) is over: requeue its requests (or collect the head request's callers into
   * {@code failed} for a fatal answer), decide where to go next, and go on. Under the lock.
   */
  private void streamFailed(Stream s, Failure f, List<Waiter> failed) {
    boolean idle = inFlight.isEmpty();
    current = null;
    if (f.kind() == Failure.Kind.FATAL && !inFlight.isEmpty()) {
      Batch head = inFlight.pollFirst();
      for (int i = 0; i < head.size; i++) {
        failed.add(head.waiters[i]);
      }
    }
    requeueInFlight();
    if (idle && f.kind() != Failure.Kind.FATAL && f.hint().isEmpty()) {
      // An idle stream that ended (server restart, idle timeout) says little: the next call tries the same node.
      pump(System.nanoTime());
      return;
    }
    lastFailure = f;
    lastFailureNanos = System.nanoTime();
    switch (f.kind()) {
      case FATAL:
        break;
      case RETRY:
        if (f.hint().isPresent() && followHint(s.endpoint, f.hint().get())) {
          break;
        }
        markFailed(s.endpoint, ClientMetrics.RetryReason.UNAVAILABLE);
        break;
      case ATTEMPT_TIMEOUT:
        markFailed(s.endpoint, ClientMetrics.RetryReason.ATTEMPT_TIMEOUT);
        break;
      case SKIP_NODE:
        poisoned.add(s.endpoint);
        markFailed(s.endpoint, ClientMetrics.RetryReason.POISONED);
        break;
      default:
        throw new AssertionError(f.kind());
    }
    pump(System.nanoTime());
  }

  private boolean followHint(String endpoint, LeaderHint hint) {
    String hinted = ChannelPool.isValidEndpoint(hint.getEndpoint()) ? hint.getEndpoint() : "";
    if (env.leaders().offerHint(hint.getTerm(), hint.getId(), hinted)) {
      metrics.leaderChanged();
    }
    String target = env.leaders().current().endpoint();
    boolean usable = !target.isEmpty() && !target.equals(endpoint) && !failedThisRound.contains(target);
    if (!usable || redirects >= env.settings().maxRedirects()) {
      return false;
    }
    redirects++;
    failedThisRound.add(endpoint);
    metrics.retried(ClientMetrics.RetryReason.REDIRECT);
    return true;
  }

  private void markFailed(String endpoint, ClientMetrics.RetryReason reason) {
    failedThisRound.add(endpoint);
    env.leaders().forget(endpoint);
    metrics.retried(reason);
  }

  private void requeueInFlight() {
    while (!inFlight.isEmpty()) {
      Batch b = inFlight.pollLast();
      for (int i = b.size - 1; i >= 0; i--) {
        if (!b.waiters[i].isDone()) {
          queue.addFirst(b.waiters[i]);
        }
      }
    }
    inFlightCount = 0;
  }

  private void drainAll(List<Waiter> out) {
    requeueInFlight();
    out.addAll(queue);
    queue.clear();
  }

  // ---- deadlines ----

  private void armSweep() {
    if (sweepArmed) {
      return;
    }
    try {
      env.timer().schedule(this::sweep, SWEEP_NANOS, TimeUnit.NANOSECONDS);
      sweepArmed = true;
    } catch (RejectedExecutionException closedTimer) {
      // Closing.
    }
  }

  private void sweep() {
    List<Waiter> expired = new ArrayList<>();
    Failure last;
    long lastNanos;
    synchronized (this) {
      sweepArmed = false;
      if (closed) {
        return;
      }
      long now = System.nanoTime();
      Batch head = inFlight.peekFirst();
      if (head != null && current != null && now - head.sentNanos > attemptTimeoutNanos) {
        Stream s = current;
        s.call.cancel("attempt timed out", null);
        streamFailed(s, new Failure(Failure.Kind.ATTEMPT_TIMEOUT, new TsoDeadlineExceededException(s.endpoint
            + " did not answer within " + env.settings().attemptTimeout()), java.util.Optional.empty()),
            new ArrayList<>());
      }
      for (Batch b : inFlight) {
        if (now - b.earliestDeadlineNanos >= 0) {
          for (int i = 0; i < b.size; i++) {
            Waiter w = b.waiters[i];
            if (!w.isDone() && now - w.deadlineNanos >= 0) {
              expired.add(w);
            }
          }
        }
      }
      while (!queue.isEmpty()) {
        Waiter w = queue.peekFirst();
        if (w.isDone()) {
          queue.pollFirst();
        } else if (now - w.deadlineNanos >= 0) {
          expired.add(queue.pollFirst());
        } else {
          break;
        }
      }
      last = lastFailure;
      lastNanos = lastFailureNanos;
      if (!queue.isEmpty() || !inFlight.isEmpty()) {
        armSweep();
      }
    }
    for (Waiter w : expired) {
      long startNanos = w.deadlineNanos - callTimeoutNanos;
      w.completeExceptionally(exhausted(last != null && lastNanos - startNanos >= 0 ? last : null));
    }
  }

  /**
   * The error for a caller whose deadline passed: unavailable if a node refused during its call (the most telling
   * failure), a deadline error if the last failure was a timeout or nothing failed (the node was just slow).
   */
  private TsoException exhausted(Failure last) {
    String timing = " within " + env.settings().callTimeout();
    if (last == null) {
      return new TsoDeadlineExceededException("GetTimestamp: no answer" + timing);
    }
    if (last.kind() == Failure.Kind.ATTEMPT_TIMEOUT) {
      return new TsoDeadlineExceededException("GetTimestamp timed out" + timing + "; last: "
          + last.error().getMessage(), last.error());
    }
    return new TsoUnavailableException("GetTimestamp: no tso4j endpoint served" + timing + "; last: "
        + last.error().getMessage(), last.error());
  }

  private static TsoUnavailableException closedError() {
    return new TsoUnavailableException("GetTimestamp: the client is closed");
  }

  /** One StreamTimestamps call to one endpoint; gRPC calls its listener methods serially. */
  private final class Stream extends ClientCall.Listener<GetTimestampResponse> {
    final String endpoint;
    final ClientCall<GetTimestampRequest, GetTimestampResponse> call;

    Stream(String endpoint, ClientCall<GetTimestampRequest, GetTimestampResponse> call) {
      this.endpoint = endpoint;
      this.call = call;
    }

    @Override
    public void onMessage(GetTimestampResponse message) {
      onResponse(this, message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      StreamDispatcher.this.onClose(this, status, trailers);
    }
  }
}
