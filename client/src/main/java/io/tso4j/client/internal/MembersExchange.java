package io.tso4j.client.internal;

import io.grpc.MethodDescriptor;
import io.tso4j.client.Member;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.LeaderHint;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A GetMembers request: any reachable node answers; its leader hint goes into the {@link LeaderCache}. Immutable.
 */
final class MembersExchange implements Exchange<GetMembersRequest, GetMembersResponse, List<Member>> {
  private final LeaderCache leaders;

  MembersExchange(LeaderCache leaders) {
    this.leaders = leaders;
  }

  @Override
  public MethodDescriptor<GetMembersRequest, GetMembersResponse> method() {
    return TimestampOracleGrpc.getGetMembersMethod();
  }

  @Override
  public GetMembersRequest request() {
    return GetMembersRequest.getDefaultInstance();
  }

  @Override
  public List<Member> accept(String endpoint, GetMembersResponse response) {
    if (response.hasLeader()) {
      LeaderHint h = response.getLeader();
      if (!h.getId().isEmpty() && h.getTerm() >= 0) {
        leaders.offerHint(h.getTerm(), h.getId(), ChannelPool.isValidEndpoint(h.getEndpoint()) ? h.getEndpoint() : "");
      }
    }
    return members(response);
  }

  /** The members a GetMembers response lists. */
  static List<Member> members(GetMembersResponse response) {
    return response.getMembersList().stream()
        .map(m -> new Member(m.getId(), m.getEndpoint()))
        .collect(Collectors.toUnmodifiableList());
  }

  @Override
  public String describe() {
    return "GetMembers";
  }
}
