package io.tso4j.server.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
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
import java.util.concurrent.TimeUnit;

/**
 * The tso4j.v1 TimestampOracle gRPC service: a thin layer over one {@link TimestampOracle}.
 *
 * <p>GetTimestamp checks the count (1..262144) first, then allocates; StreamTimestamps answers each request in order
 * with its request id and ends the stream with the mapped status on the first refusal; GetMembers reports the
 * {@link MemberDirectory}, the leader as this node knows it, and whether it serves. A refusal this node expects to be
 * past soon is held for up to the request's {@code max_wait_ms} instead ({@link RequestHold}). Every status comes
 * from {@link StatusMapper}. Nothing is logged per request. Thread-safe.
 */
public final class TsoGrpcService extends TimestampOracleGrpc.TimestampOracleImplBase {
  private final TimestampOracle oracle;
  private final MemberSource members;
  private final StatusMapper statuses;
  private final RequestHold hold;
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
    this.hold = new RequestHold(nodeId, System::nanoTime);
    oracle.addListener(state -> hold.stateChanged());
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

  /** Answers one GetTimestamp request (at once, or once a hold ends). */
  @Override
  public void getTimestamp(GetTimestampRequest request, StreamObserver<GetTimestampResponse> responses) {
    ServerCallStreamObserver<GetTimestampResponse> out = (ServerCallStreamObserver<GetTimestampResponse>) responses;
    out.setOnCancelHandler(() -> { });
    serve(request, new Answer() {
      @Override
      public void served(GetTimestampResponse response) {
        out.onNext(response);
        out.onCompleted();
      }

      @Override
      public void refused(StatusRuntimeException status) {
        out.onError(status);
      }

      @Override
      public boolean abandoned() {
        return out.isCancelled();
      }
    });
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

  /** How many timestamp requests are held now (tests). */
  int heldRequests() {
    return hold.heldCount();
  }

  /** Answers one request: allocates, or holds it if this node should serve soon, or refuses with the mapped status. */
  private void serve(GetTimestampRequest request, Answer answer) {
    RequestRecorder r = recorder;
    long started = r.start();
    long count = Integer.toUnsignedLong(request.getCount());
    if (count < WireKeys.MIN_COUNT || count > WireKeys.MAX_COUNT) {
      r.refused(RequestOutcome.INVALID_ARGUMENT, started);
      answer.refused(statuses.invalidCount(count));
      return;
    }
    // The served path reads no context and no deadline: the wait is worked out only for a refusal worth holding.
    if (attempt(request, (int) count, r, started, answer, request.getMaxWaitMs() != 0)) {
      return;
    }
    Context context = Context.current();
    Deadline deadline = context.getDeadline();
    long waitNanos = RequestHold.waitNanos(Integer.toUnsignedLong(request.getMaxWaitMs()),
        deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.NANOSECONDS));
    boolean held = hold.hold(lastTry -> {
      if (answer.abandoned()) {
        return true;
      }
      Context previous = context.attach();
      try {
        return attempt(request, (int) count, r, started, answer, !lastTry);
      } finally {
        context.detach(previous);
      }
    }, waitNanos);
    if (!held) {
      attempt(request, (int) count, r, started, answer, false);
    }
  }

  /**
   * Allocates for one request and answers it, or, when {@code mayHold} and the refusal is worth holding, answers
   * nothing; returns whether it answered.
   */
  private boolean attempt(GetTimestampRequest request, int count, RequestRecorder r, long started, Answer answer,
      boolean mayHold) {
    Grant grant;
    try {
      grant = oracle.allocate(count);
    } catch (RefusedException e) {
      ServingState state = oracle.state();
      if (mayHold && e.reason().retryable() && hold.worthHolding(state)) {
        return false;
      }
      r.refused(RequestOutcome.of(e.reason()), started);
      answer.refused(statuses.refused(e, state, oracle.expectedToServeIn()));
      return true;
    } catch (RuntimeException e) {
      r.refused(RequestOutcome.INTERNAL, started);
      answer.refused(statuses.unexpected(e));
      return true;
    }
    r.served(grant.count(), started);
    answer.served(GetTimestampResponse.newBuilder()
        .setFirst(grant.first())
        .setCount(grant.count())
        .setTerm(grant.term())
        .setRequestId(request.getRequestId())
        .build());
    return true;
  }
}
