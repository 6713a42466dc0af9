package io.tso4j.client.internal;

/**
 * When the stream may take another request: the adaptive part of coalescing.
 *
 * <p>It keeps two estimates, both smoothed over the last ~8 samples: the round trip (request sent to response
 * received) and the time the client spends handing one response's range to one caller (including the caller's own
 * continuation, which runs on the delivering thread). The rules, for {@code k = maxInFlight}:
 *
 * <ol>
 *   <li>Nobody waits, or {@code k} requests are on the wire: no.</li>
 *   <li>No request is on the wire and no response is being handed out: yes (one request at a time is the floor).</li>
 *   <li>A response is being handed out and callers that already got theirs are waiting again: yes if what is left of
 *       the hand-out takes at least one round trip ({@code left * perCaller >= rtt}); the round trip is then the
 *       bound, and the new request comes back while the thread is still busy, so the thread never idles waiting
 *       for it. Otherwise no: those callers join the request sent when the hand-out ends.</li>
 *   <li>Requests are on the wire and the thread is idle (callers arrive on their own): yes once {@code rtt / k} has
 *       passed since the last request, spreading the requests over the round trip.</li>
 * </ol>
 *
 * <p>When the client is CPU-bound (handing out is slower than the round trip is long, e.g. few callers with little
 * work each, or a fast network) rule 3 never fires and the stream carries one request at a time, as with
 * {@code k = 1}. Rule 3 never reorders anything: requests go out on the one stream in queue order and the server
 * answers in order. Not thread-safe: the dispatcher's lock.
 */
final class PipelinePolicy {
  private final int maxInFlight;
  private long rttNanos;
  private long perCallerNanos;
  private long lastSendNanos;

  PipelinePolicy(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /**
   * Whether another request may go out now.
   *
   * @param inFlight requests on the wire (not counting one whose response is being handed out)
   * @param waiting callers in the queue
   * @param delivering whether a response is being handed out now
   * @param leftToDeliver callers of that response still to be handed their range
   */
  boolean maySend(int inFlight, int waiting, boolean delivering, int leftToDeliver, long nowNanos) {
    if (waiting == 0 || inFlight >= maxInFlight) {
      return false;
    }
    if (delivering) {
      return (long) leftToDeliver * perCallerNanos >= rttNanos && rttNanos > 0;
    }
    if (inFlight == 0) {
      return true;
    }
    return nowNanos - lastSendNanos >= rttNanos / maxInFlight;
  }

  /** A request went out at {@code nowNanos}. */
  void sent(long nowNanos) {
    lastSendNanos = nowNanos;
  }

  /** The response to a request sent at {@code sentNanos} arrived at {@code nowNanos}. */
  void answered(long sentNanos, long nowNanos) {
    rttNanos = smooth(rttNanos, Math.max(1, nowNanos - sentNanos));
  }

  /** Handing a response to {@code callers} callers took {@code nanos}. */
  void delivered(int callers, long nanos) {
    if (callers > 0) {
      perCallerNanos = smooth(perCallerNanos, Math.max(1, nanos / callers));
    }
  }

  /** The smoothed round trip, 0 before the first response. */
  long rttNanos() {
    return rttNanos;
  }

  /** The smoothed hand-out time per caller, 0 before the first response. */
  long perCallerNanos() {
    return perCallerNanos;
  }

  /** The most requests on the wire at once. */
  int maxInFlight() {
    return maxInFlight;
  }

  private static long smooth(long current, long sample) {
    return current == 0 ? sample : current - (current >> 3) + (sample >> 3);
  }
}
