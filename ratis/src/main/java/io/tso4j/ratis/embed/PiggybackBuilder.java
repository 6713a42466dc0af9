package io.tso4j.ratis.embed;

import io.tso4j.ratis.HighWaterRegister;
import io.tso4j.ratis.RatisDriver;
import java.time.Duration;
import java.util.Objects;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * Builds an {@link EmbeddedTso} whose commands ride in the host's own Raft log. See {@link EmbeddedTso#piggyback}.
 */
public final class PiggybackBuilder extends EmbeddedTsoBuilder<PiggybackBuilder> {
  private final HighWaterRegister register;

  PiggybackBuilder(RaftServer server, RaftGroupId hostGroupId, HighWaterRegister register) {
    super(server, hostGroupId);
    this.register = Objects.requireNonNull(register, "register");
  }

  @Override
  RatisDriver newDriver(Duration timeout) {
    return RatisDriver.piggyback(server, groupId, register, timeout);
  }

  @Override
  EmbeddedTso.Mode mode() {
    return EmbeddedTso.Mode.PIGGYBACK;
  }
}
