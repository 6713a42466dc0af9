package io.tso4j.client.internal;

import io.grpc.MethodDescriptor;
import io.tso4j.client.TimestampRange;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;

/**
 * A unary GetTimestamp request for {@code count} timestamps, used for a blocking call made on the thread that hands
 * out the stream's responses (which cannot wait for the stream). Every response passes the {@link OrderGuard}; a
 * served response updates the {@link LeaderCache}. Immutable (its collaborators are thread-safe).
 */
final class TimestampExchange implements Exchange<GetTimestampRequest, GetTimestampResponse, TimestampRange> {
  private final int count;
  private final long requestId;
  private final int serverWaitMillis;
  private final OrderGuard guard;
  private final OrderGuard.Ticket ticket;
  private final LeaderCache leaders;

  TimestampExchange(int count, long requestId, int serverWaitMillis, OrderGuard guard, LeaderCache leaders) {
    this.count = count;
    this.requestId = requestId;
    this.serverWaitMillis = serverWaitMillis;
    this.guard = guard;
    this.ticket = guard.open();
    this.leaders = leaders;
  }

  @Override
  public MethodDescriptor<GetTimestampRequest, GetTimestampResponse> method() {
    return TimestampOracleGrpc.getGetTimestampMethod();
  }

  @Override
  public GetTimestampRequest request() {
    return GetTimestampRequest.newBuilder().setCount(count).setRequestId(requestId).setMaxWaitMs(serverWaitMillis)
        .build();
  }

  @Override
  public TimestampRange accept(String endpoint, GetTimestampResponse response) {
    TimestampRange range = guard.accept(ticket, count, requestId, response);
    leaders.confirmServed(range.term(), endpoint);
    return range;
  }

  @Override
  public String describe() {
    return "GetTimestamp(count=" + count + ")";
  }
}
