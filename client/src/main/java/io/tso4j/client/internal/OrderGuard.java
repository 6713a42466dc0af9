package io.tso4j.client.internal;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoOrderViolationException;
import io.tso4j.proto.v1.GetTimestampResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks every timestamp response before the client returns it, so that a broken server can never make the client
 * hand out a value that goes back.
 *
 * <p>A call takes a {@link Ticket} when it starts: the highest timestamp and term this client had returned by then.
 * The response must echo the request id, have the requested count, be a well-formed range inside one physical
 * millisecond, start strictly above the ticket's timestamp, and carry a term no lower than the ticket's term.
 * (Comparing with what was returned before the call started, rather than with everything returned so far, keeps
 * concurrent calls that complete out of order from looking like violations.) A batched response is checked as a
 * whole ({@link #checkResponse}) and then per caller against each caller's own ticket ({@link #checkAbove}). Every
 * violation is counted ({@link #violations()}). Thread-safe (lock-free).
 */
final class OrderGuard {
  private final AtomicLong highestReturned = new AtomicLong(-1);
  private final AtomicLong highestTerm = new AtomicLong(-1);
  private final AtomicLong violations = new AtomicLong();
  private final ClientMetrics metrics;

  /** What a call must stay above: taken when the call starts. */
  record Ticket(long floor, long termFloor) {
  }

  OrderGuard() {
    this(ClientMetrics.NONE);
  }

  OrderGuard(ClientMetrics metrics) {
    this.metrics = metrics;
  }

  /** A ticket for a call starting now. */
  Ticket open() {
    return new Ticket(highestReturned.get(), highestTerm.get());
  }

  /** The highest timestamp returned so far, or -1 (a call starting now must get values above it). */
  long highestReturned() {
    return highestReturned.get();
  }

  /** The highest term seen in a returned response, or -1. */
  long highestTerm() {
    return highestTerm.get();
  }

  /** How many responses the guard rejected. */
  long violations() {
    return violations.get();
  }

  /**
   * Checks {@code response} against the call's ticket and request; returns the range and records it as returned.
   *
   * @throws TsoOrderViolationException describing the first broken rule; nothing is recorded then
   */
  TimestampRange accept(Ticket ticket, int requestedCount, long requestId, GetTimestampResponse response) {
    checkResponse(requestedCount, requestId, response);
    checkAbove(ticket.floor(), ticket.termFloor(), response.getFirst(), response.getTerm());
    TimestampRange range = TimestampRange.of(Timestamp.fromLong(response.getFirst()), requestedCount,
        response.getTerm());
    record(range.last().toLong(), range.term());
    return range;
  }

  /**
   * Checks the shape of a response to a request for {@code requestedCount} timestamps with {@code requestId}: echoed
   * id, count, a valid first value and term, and a range inside one physical millisecond.
   *
   * @throws TsoOrderViolationException describing the first broken rule
   */
  void checkResponse(int requestedCount, long requestId, GetTimestampResponse response) {
    if (response.getRequestId() != requestId) {
      throw violation("response answers request id " + Long.toUnsignedString(response.getRequestId())
          + ", expected " + Long.toUnsignedString(requestId));
    }
    long count = Integer.toUnsignedLong(response.getCount());
    if (count != requestedCount) {
      throw violation("response has count " + count + ", requested " + requestedCount);
    }
    long first = response.getFirst();
    if (first < 0) {
      throw violation("response first " + Long.toUnsignedString(first) + " is not a valid timestamp");
    }
    long term = response.getTerm();
    if (term < 0) {
      throw violation("response term " + Long.toUnsignedString(term) + " is out of range");
    }
    if (Timestamp.logicalOf(first) + count - 1 > Timestamp.MAX_LOGICAL) {
      throw violation("response range first " + first + " count " + count + " leaves its physical millisecond");
    }
  }

  /**
   * Checks that a caller's part starting at {@code first}, served in {@code term}, lies above what the client had
   * returned when that caller started ({@code floor}, {@code termFloor}).
   *
   * @throws TsoOrderViolationException if it does not
   */
  void checkAbove(long floor, long termFloor, long first, long term) {
    if (first <= floor) {
      throw violation("response first " + first + " is not above " + floor
          + ", a timestamp this client already returned");
    }
    if (term < termFloor) {
      throw violation("response term " + term + " is below term " + termFloor + " that this client already saw");
    }
  }

  /** Records that the client returned timestamps up to {@code last}, served in {@code term}. */
  void record(long last, long term) {
    if (highestReturned.get() < last) {
      highestReturned.accumulateAndGet(last, Math::max);
    }
    if (highestTerm.get() < term) {
      highestTerm.accumulateAndGet(term, Math::max);
    }
  }

  private TsoOrderViolationException violation(String what) {
    violations.incrementAndGet();
    metrics.orderViolation();
    return new TsoOrderViolationException("order guard rejected a response: " + what);
  }
}
