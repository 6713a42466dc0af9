package io.tso4j.ratis.embed;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.ratis.RatisDriver;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an {@link EmbeddedTso} that runs as its own Raft group on the host's {@link RaftServer}. See {@link
 * EmbeddedTso#cohosted}.
 */
public final class CohostedBuilder extends EmbeddedTsoBuilder<CohostedBuilder> {
  private static final Logger LOG = LoggerFactory.getLogger(CohostedBuilder.class);

  private RaftGroup groupToAdd;

  CohostedBuilder(RaftServer server, RaftGroupId tsoGroupId) {
    super(server, tsoGroupId);
  }

  /**
   * Adds {@code group} (the TSO group: its id and every member) to the running server at {@link #start()} if the
   * server does not host it yet (first start; a restarted server recovers it from its storage). Every member must do
   * the same with the same group. Without this, the host adds the group itself.
   *
   * @throws IllegalArgumentException if the group's id is not the TSO group id
   */
  public CohostedBuilder addGroupIfAbsent(RaftGroup group) {
    Objects.requireNonNull(group, "group");
    if (!group.getGroupId().equals(groupId)) {
      throw new IllegalArgumentException("group " + group.getGroupId() + " is not the TSO group " + groupId);
    }
    this.groupToAdd = group;
    return this;
  }

  @Override
  void prepare() throws ConsensusException {
    if (groupToAdd == null || hosts(server, groupId)) {
      return;
    }
    String id = server.getId().toString();
    // format=false: RECOVER formats an empty directory and never wipes an existing one.
    GroupManagementRequest add =
        GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(), 1, groupToAdd, false);
    RaftClientReply reply;
    try {
      reply = server.groupManagement(add);
    } catch (IOException | RuntimeException e) {
      throw new ConsensusException(Kind.PERMANENT, "[" + id + "] cannot add the TSO group " + groupId + ": " + e, e);
    }
    if (!reply.isSuccess() && !hosts(server, groupId)) {
      throw new ConsensusException(Kind.PERMANENT, "[" + id + "] cannot add the TSO group " + groupId + ": "
          + reply.getException(), reply.getException());
    }
    LOG.info("[{}] added the TSO group {} with members {}", id, groupId, groupToAdd.getPeers());
  }

  private static boolean hosts(RaftServer server, RaftGroupId gid) {
    try {
      server.getDivision(gid);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  RatisDriver newDriver(Duration timeout) {
    return RatisDriver.attach(server, groupId, timeout);
  }

  @Override
  EmbeddedTso.Mode mode() {
    return EmbeddedTso.Mode.COHOSTED;
  }
}
