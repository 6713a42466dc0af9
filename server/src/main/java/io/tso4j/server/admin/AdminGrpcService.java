package io.tso4j.server.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.LoadedMark;
import io.tso4j.core.ServingState;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.proto.v1.AddMemberRequest;
import io.tso4j.proto.v1.AddMemberResponse;
import io.tso4j.proto.v1.AdminGrpc;
import io.tso4j.proto.v1.GetHighWaterRequest;
import io.tso4j.proto.v1.GetHighWaterResponse;
import io.tso4j.proto.v1.ListMembersRequest;
import io.tso4j.proto.v1.ListMembersResponse;
import io.tso4j.proto.v1.MemberInfo;
import io.tso4j.proto.v1.MemberRole;
import io.tso4j.proto.v1.NodeState;
import io.tso4j.proto.v1.RaiseFloorRequest;
import io.tso4j.proto.v1.RaiseFloorResponse;
import io.tso4j.proto.v1.RemoveMemberRequest;
import io.tso4j.proto.v1.RemoveMemberResponse;
import io.tso4j.proto.v1.SnapshotChunk;
import io.tso4j.proto.v1.SnapshotRequest;
import io.tso4j.proto.v1.TransferLeaderRequest;
import io.tso4j.proto.v1.TransferLeaderResponse;
import io.tso4j.ratis.ClusterConfiguration;
import io.tso4j.ratis.ClusterMember;
import io.tso4j.ratis.MembershipAdmin;
import io.tso4j.ratis.MembershipException;
import io.tso4j.ratis.RatisDriver;
import io.tso4j.server.grpc.MemberSource;
import io.tso4j.server.grpc.ServingStateWatchService;
import io.tso4j.server.grpc.StatusMapper;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tso4j.v1 Admin gRPC service of one node (see {@code tso4j/v1/admin.proto}).
 *
 * <p>Reads are answered by any node. Writes are answered by the leader only; another node refuses with UNAVAILABLE
 * and the leader hint, built by {@link StatusMapper#redirect} exactly like the hint of a refused allocation. Bad
 * arguments are INVALID_ARGUMENT, a change the configuration forbids (the last voter, an id at another address) is
 * FAILED_PRECONDITION, a change that did not finish in time is DEADLINE_EXCEEDED. Changes run on gRPC's call
 * executor (not the transport thread) and block it for at most {@code changeTimeout}. One INFO line per change.
 * Thread-safe.
 */
public final class AdminGrpcService extends AdminGrpc.AdminImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(AdminGrpcService.class);
  /** How long one membership change, transfer or floor raise may take before DEADLINE_EXCEEDED. */
  public static final Duration DEFAULT_CHANGE_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern ADDRESS = Pattern.compile("[^:/\\s]+:(\\d{1,5})");

  private final TimestampOracle oracle;
  private final RatisDriver driver;
  private final MemberSource members;
  private final StatusMapper statuses;
  private final TsoClock clock;
  private final Duration changeTimeout;

  /** The admin service of the node whose oracle is {@code oracle} over {@code driver}. */
  public AdminGrpcService(TimestampOracle oracle, RatisDriver driver, MemberSource members, TsoClock clock,
      Duration changeTimeout) {
    this.oracle = Objects.requireNonNull(oracle, "oracle");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.members = Objects.requireNonNull(members, "members");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.changeTimeout = Objects.requireNonNull(changeTimeout, "changeTimeout");
    this.statuses = new StatusMapper(members);
  }

  @Override
  public void listMembers(ListMembersRequest request, StreamObserver<ListMembersResponse> responses) {
    answer(responses, () -> {
      MembershipAdmin m = membership();
      ClusterConfiguration conf = m.committed();
      ListMembersResponse.Builder b = ListMembersResponse.newBuilder()
          .setConfigurationIndex(conf.logIndex())
          .setResponder(nodeState(m, conf));
      b.addAllMembers(memberInfos(m, conf));
      return b.build();
    });
  }

  private NodeState nodeState(MembershipAdmin m, ClusterConfiguration conf) {
    ServingState state = oracle.state();
    Optional<String> leader = m.leaderId();
    String self = driver.localId();
    MemberRole role = leader.filter(self::equals).isPresent() ? MemberRole.MEMBER_ROLE_LEADER
        : m.isLearner() || conf.member(self).filter(c -> !c.voter()).isPresent() ? MemberRole.MEMBER_ROLE_LEARNER
        : MemberRole.MEMBER_ROLE_FOLLOWER;
    NodeState.Builder b = NodeState.newBuilder()
        .setId(self)
        .setRole(role)
        .setStatus(ServingStateWatchService.status(state.status()))
        .setTerm(m.term())
        .setLastAppliedIndex(m.lastAppliedIndex());
    statuses.leaderHint(new ServingState(ServingState.Status.NOT_SERVING, m.term(), leader)).ifPresent(b::setLeader);
    return b.build();
  }

  private List<MemberInfo> memberInfos(MembershipAdmin m, ClusterConfiguration conf) {
    Optional<String> leader = m.leaderId();
    Map<String, Long> lag = m.lagByMember();
    return conf.members().stream().map(c -> MemberInfo.newBuilder()
        .setId(c.id())
        .setRaftAddress(c.raftAddress())
        .setClientEndpoint(members.current().endpointOf(c.id()).orElse(c.clientEndpoint()))
        .setRole(leader.filter(c.id()::equals).isPresent() ? MemberRole.MEMBER_ROLE_LEADER
            : c.voter() ? MemberRole.MEMBER_ROLE_FOLLOWER : MemberRole.MEMBER_ROLE_LEARNER)
        .setLag(lag.getOrDefault(c.id(), -1L))
        .build()).toList();
  }

  @Override
  public void addMember(AddMemberRequest request, StreamObserver<AddMemberResponse> responses) {
    answer(responses, () -> {
      String id = requireId(request.getId());
      String raft = requireAddress("raft_address", request.getRaftAddress(), false);
      String client = requireAddress("client_endpoint", request.getClientEndpoint(), true);
      MembershipAdmin m = membership();
      boolean wasVoter = m.committed().member(id).filter(ClusterMember::voter)
          .filter(c -> c.raftAddress().equals(raft)).isPresent();
      run(m, () -> m.addMember(id, raft, client, changeTimeout));
      if (!wasVoter) {
        LOG.info("[{}] added member {} at {} (client endpoint {})", driver.localId(), id, raft,
            client.isEmpty() ? "unknown" : client);
      }
      return AddMemberResponse.newBuilder().setChanged(!wasVoter)
          .addAllMembers(memberInfos(m, m.committed())).build();
    });
  }

  @Override
  public void removeMember(RemoveMemberRequest request, StreamObserver<RemoveMemberResponse> responses) {
    answer(responses, () -> {
      String id = requireId(request.getId());
      MembershipAdmin m = membership();
      boolean wasMember = m.committed().member(id).isPresent();
      run(m, () -> m.removeMember(id, changeTimeout));
      if (wasMember) {
        LOG.info("[{}] removed member {}", driver.localId(), id);
      }
      return RemoveMemberResponse.newBuilder().setChanged(wasMember)
          .addAllMembers(memberInfos(m, m.committed())).build();
    });
  }

  @Override
  public void transferLeader(TransferLeaderRequest request, StreamObserver<TransferLeaderResponse> responses) {
    answer(responses, () -> {
      String to = requireId(request.getTo());
      MembershipAdmin m = membership();
      run(m, () -> m.transferLeader(to, changeTimeout));
      LOG.info("[{}] transferred leadership to {}", driver.localId(), to);
      TransferLeaderResponse.Builder b = TransferLeaderResponse.newBuilder();
      statuses.leaderHint(new ServingState(ServingState.Status.NOT_SERVING, m.term(), Optional.of(to)))
          .ifPresent(b::setLeader);
      return b.build();
    });
  }

  @Override
  public void getHighWater(GetHighWaterRequest request, StreamObserver<GetHighWaterResponse> responses) {
    answer(responses, () -> GetHighWaterResponse.newBuilder()
        .setHighWaterMs(driver.appliedHighWater())
        .setResponderId(driver.localId())
        .build());
  }

  @Override
  public void raiseFloor(RaiseFloorRequest request, StreamObserver<RaiseFloorResponse> responses) {
    answer(responses, () -> {
      long atLeast = request.getAtLeast();
      if (atLeast < 0) {
        throw Status.INVALID_ARGUMENT.withDescription("at_least must be a timestamp (>= 0), was "
            + Long.toUnsignedString(atLeast)).asRuntimeException();
      }
      MembershipAdmin m = membership();
      long term = leaderTerm(m);
      long physical = Timestamp.physicalOf(atLeast);
      long mark = await(driver.persistHighWater(physical, term), "raising the mark to " + physical);
      ServingState before = oracle.state();
      boolean newTerm = oracle.lastIssued() <= atLeast;
      if (newTerm) {
        // The serving window may still be below the floor: end the term so that the next fence starts above it.
        run(m, () -> m.startNewTerm(changeTimeout));
        awaitOldTermClosed(before);
      }
      LOG.info("[{}] raised the floor to {} (mark {} ms{})", driver.localId(), atLeast, mark,
          newTerm ? ", new term" : "");
      return RaiseFloorResponse.newBuilder().setHighWaterMs(mark).setNewTerm(newTerm).build();
    });
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotChunk> responses) {
    answer(responses, () -> {
      MembershipAdmin m = membership();
      long term = leaderTerm(m);
      LoadedMark mark = await(driver.loadHighWater(term), "reading the mark through the log");
      byte[] bytes = new RegisterBackup(mark.highWater(), clock.wallMillis(), term).encode();
      return SnapshotChunk.newBuilder().setData(ByteString.copyFrom(bytes)).build();
    });
  }

  /**
   * Waits until this node no longer serves, or fences for, the term it was in before (bounded by the change timeout):
   * a window opened in that term may be below the new floor.
   */
  private void awaitOldTermClosed(ServingState before) {
    long deadline = System.nanoTime() + changeTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      ServingState now = oracle.state();
      boolean mayServeOldTerm = now.serving() || now.frozen() || now.status() == ServingState.Status.FENCING;
      if (!mayServeOldTerm || now.term() != before.term()) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw Status.DEADLINE_EXCEEDED.withDescription(driver.localId() + " still serves term " + before.term()
        + " after the floor was raised").asRuntimeException();
  }

  private long leaderTerm(MembershipAdmin m) {
    LeadershipEvent e = driver.currentLeadership();
    if (!(e instanceof LeadershipEvent.Leader)) {
      throw statuses.redirect(driver.localId() + " is not the leader; admin writes go to the leader",
          m.leaderId().filter(l -> !l.equals(driver.localId())), m.term());
    }
    return e.term();
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> f, String what) {
    try {
      return f.get(changeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withDescription(what + " did not commit within " + changeTimeout.toMillis()
          + " ms").asRuntimeException();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof ConsensusException ce) {
        Status s = ce.kind() == ConsensusException.Kind.PERMANENT ? Status.INTERNAL : Status.UNAVAILABLE;
        throw s.withDescription(what + " failed on " + driver.localId() + ": " + ce.reason()).asRuntimeException();
      }
      throw statuses.unexpected(c);
    }
  }

  /** A membership operation that may be refused. */
  private interface Change {
    void run() throws MembershipException;
  }

  private void run(MembershipAdmin m, Change change) {
    try {
      change.run();
    } catch (MembershipException e) {
      switch (e.reason()) {
        case NOT_LEADER:
          throw statuses.redirect(e.getMessage(), e.leaderId().filter(l -> !l.equals(driver.localId())), m.term());
        case INVALID:
          throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        case TIMEOUT:
          throw Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()).asRuntimeException();
        case FAILED:
        default:
          throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
      }
    }
  }

  private MembershipAdmin membership() {
    return driver.membership().orElseThrow(() -> Status.UNAVAILABLE
        .withDescription(driver.localId() + " has not started yet").asRuntimeException());
  }

  private static String requireId(String id) {
    if (!ID.matcher(id).matches()) {
      throw Status.INVALID_ARGUMENT.withDescription("bad member id \"" + id
          + "\"; expected 1..64 letters, digits, '-' or '_'").asRuntimeException();
    }
    return id;
  }

  private static String requireAddress(String field, String address, boolean mayBeEmpty) {
    if (address.isEmpty() && mayBeEmpty) {
      return address;
    }
    var matcher = ADDRESS.matcher(address);
    if (!matcher.matches() || Integer.parseInt(matcher.group(1)) < 1 || Integer.parseInt(matcher.group(1)) > 65535) {
      throw Status.INVALID_ARGUMENT.withDescription("bad " + field + " \"" + address + "\"; expected HOST:PORT")
          .asRuntimeException();
    }
    return address;
  }

  /** Something that computes an answer or throws a status. */
  private interface Answer<T> {
    T get();
  }

  private <T> void answer(StreamObserver<T> responses, Answer<T> answer) {
    T value;
    try {
      value = answer.get();
    } catch (StatusRuntimeException e) {
      responses.onError(e);
      return;
    } catch (RuntimeException e) {
      responses.onError(statuses.unexpected(e));
      return;
    }
    responses.onNext(value);
    responses.onCompleted();
  }
}
