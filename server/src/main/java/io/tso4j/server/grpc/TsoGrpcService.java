package io.tso4j.server.grpc;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.proto.v1.Member;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.ServingState;
import io.tso4j.core.TimestampOracle;
import java.util.Objects;

/**
 * The tso4j.v1 TimestampOracle gRPC service: a thin layer over one {@link TimestampOracle}.
 *
 * <p>GetTimestamp checks the count (1..262144) first, then allocates; StreamTimestamps answers each request in order
 * with its request id and ends the stream with the mapped status on the first refusal; GetMembers reports the
 * {@link MemberDirectory}, the leader as this node knows it, and whether it serves. Every status comes from
 * {@link StatusMapper}. Nothing is logged per request. Thread-safe.
 */
public final class TsoGrpcService extends TimestampOracleGrpc.TimestampOracleImplBase {
  private final TimestampOracle oracle;
  private final MemberSource members;
  private final StatusMapper statuses;
  private volatile RequestRecorder recorder = RequestRecorder.NONE;

  /**
   * A service over {@code oracle}, describing the cluster with the directory {@code members} gives (a fixed
   * {@link MemberDirectory}, or one that follows the committed configuration).
   *
   * @throws IllegalArgumentException if the directory's local id is not the oracle's node id
   */
  public TsoGrpcService(TimestampOracle oracle, MemberSource members) {
    this.oracle = Objects.requireNonNull(oracle, "oracle");
    this.members = Objects.requireNonNull(members, "members");
    MemberDirectory directory = members.current();
    String nodeId = oracle.driver().localId();
    if (!directory.localId().equals(nodeId)) {
      throw new IllegalArgumentException("directory local id " + directory.localId() + " is not the oracle's node id "
          + nodeId);
    }
    this.statuses = new StatusMapper(members);
  }

  /**
   * Sends what happens to every timestamp request to {@code recorder} from now on ({@link RequestRecorder#NONE}:
   * nothing recorded, the default).
   */
  public void recordRequestsWith(RequestRecorder recorder) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
  }

  /** The member directory this service reports now. */
  public MemberDirectory directory() {
    return members.current();
  }

  /** Answers one GetTimestamp request. */
  @Override
  public void getTimestamp(GetTimestampRequest request, StreamObserver<GetTimestampResponse> responses) {
    GetTimestampResponse response;
    try {
      response = serve(request);
    } catch (StatusRuntimeException e) {
      responses.onError(e);
      return;
    }
    responses.onNext(response);
    responses.onCompleted();
  }

  /** Opens one StreamTimestamps call; see {@link TimestampStream}. */
  @Override
  public StreamObserver<GetTimestampRequest> streamTimestamps(StreamObserver<GetTimestampResponse> responses) {
    return TimestampStream.open(responses, this::serve);
  }

  /** Answers GetMembers: the members, the leader hint (if a leader is known), serving, and this node's id. */
  @Override
  public void getMembers(GetMembersRequest request, StreamObserver<GetMembersResponse> responses) {
    ServingState state = oracle.state();
    MemberDirectory directory = members.current();
    GetMembersResponse.Builder b = GetMembersResponse.newBuilder()
        .setServing(state.serving())
        .setResponderId(directory.localId());
    directory.members().forEach((id, endpoint) ->
        b.addMembers(Member.newBuilder().setId(id).setEndpoint(endpoint)));
    statuses.leaderHint(state).ifPresent(b::setLeader);
    responses.onNext(b.build());
    responses.onCompleted();
  }

  /** Allocates for one request, or throws the mapped status. */
  private GetTimestampResponse serve(GetTimestampRequest request) {
    RequestRecorder r = recorder;
    long started = r.start();
    long count = Integer.toUnsignedLong(request.getCount());
    if (count < WireKeys.MIN_COUNT || count > WireKeys.MAX_COUNT) {
      r.refused(RequestOutcome.INVALID_ARGUMENT, started);
      throw statuses.invalidCount(count);
    }
    Grant grant;
    try {
      grant = oracle.allocate((int) count);
    } catch (RefusedException e) {
      r.refused(RequestOutcome.of(e.reason()), started);
      throw statuses.refused(e, oracle.state(), oracle.expectedToServeIn());
    } catch (RuntimeException e) {
      r.refused(RequestOutcome.INTERNAL, started);
      throw statuses.unexpected(e);
    }
    r.served(grant.count(), started);
    return GetTimestampResponse.newBuilder()
        .setFirst(grant.first())
        .setCount(grant.count())
        .setTerm(grant.term())
        .setRequestId(request.getRequestId())
        .build();
  }
}
