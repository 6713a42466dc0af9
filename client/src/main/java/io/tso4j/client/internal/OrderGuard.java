package io.tso4j.client.internal;

import io.tso4j.client.Timestamp;
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
 * concurrent calls that complete out of order from looking like violations.) Thread-safe (lock-free).
 */
final class OrderGuard {
  private final AtomicLong highestReturned = new AtomicLong(-1);
  private final AtomicLong highestTerm = new AtomicLong(-1);

  /** What a call must stay above: taken when the call starts. */
  record Ticket(long floor, long termFloor) {
  }

  /** A ticket for a call starting now. */
  Ticket open() {
    return new Ticket(highestReturned.get(), highestTerm.get());
  }

  /** The highest timestamp returned so far, or -1. */
  long highestReturned() {
    return highestReturned.get();
  }

  /**
   * Checks {@code response} against the call's ticket and request; returns the range and records it as returned.
   *
   * @throws TsoOrderViolationException describing the first broken rule; nothing is recorded then
   */
  TimestampRange accept(Ticket ticket, int requestedCount, long requestId, GetTimestampResponse response) {
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
    if (first <= ticket.floor()) {
      throw violation("response first " + first + " is not above " + ticket.floor()
          + ", a timestamp this client already returned");
    }
    if (term < ticket.termFloor()) {
      throw violation("response term " + term + " is below term " + ticket.termFloor()
          + " that this client already saw");
    }
    TimestampRange range = TimestampRange.of(Timestamp.fromLong(first), requestedCount, term);
    highestReturned.accumulateAndGet(range.last().toLong(), Math::max);
    highestTerm.accumulateAndGet(term, Math::max);
    return range;
  }

  private static TsoOrderViolationException violation(String what) {
    return new TsoOrderViolationException("order guard rejected a response: " + what);
  }
}
