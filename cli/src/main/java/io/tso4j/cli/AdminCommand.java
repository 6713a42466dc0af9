package io.tso4j.cli;

import io.grpc.StatusRuntimeException;
import io.tso4j.proto.v1.AddMemberRequest;
import io.tso4j.proto.v1.AddMemberResponse;
import io.tso4j.proto.v1.GetHighWaterRequest;
import io.tso4j.proto.v1.GetHighWaterResponse;
import io.tso4j.proto.v1.ListMembersRequest;
import io.tso4j.proto.v1.RaiseFloorRequest;
import io.tso4j.proto.v1.RaiseFloorResponse;
import io.tso4j.proto.v1.RemoveMemberRequest;
import io.tso4j.proto.v1.RemoveMemberResponse;
import io.tso4j.proto.v1.SnapshotChunk;
import io.tso4j.proto.v1.SnapshotRequest;
import io.tso4j.proto.v1.TransferLeaderRequest;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.admin.RegisterBackup;
import io.tso4j.timestamp.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tso4j admin}: membership, leadership, the high-water mark and backups, through the Admin service. */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Change the cluster: add-member, remove-member, transfer-leader, high-water, raise-floor, snapshot."
        + " Writes go to the leader (found from any endpoint).",
    subcommands = {AdminCommand.AddMember.class, AdminCommand.RemoveMember.class, AdminCommand.TransferLeader.class,
        AdminCommand.HighWater.class, AdminCommand.RaiseFloor.class, AdminCommand.Snapshot.class})
final class AdminCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code admin add-member}. */
  @Command(name = "add-member", mixinStandardHelpOptions = true,
      description = "Add a node (started with serve --join, or any running node with an empty data dir): it joins"
          + " as a voter once its log has caught up (it does not vote before). Idempotent on the id.")
  static final class AddMember implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;
    @Option(names = "--id", required = true, description = "The new member's id.")
    String id;
    @Option(names = "--peer-address", required = true, paramLabel = "HOST:RAFT_PORT[/CLIENT_PORT]",
        description = "The new member's Raft address and client port.")
    String peerAddress;

    @Override
    public Integer call() {
      PeerSpec p = parsePeerAddress(id, peerAddress);
      try (AdminClient client = admin.client()) {
        AddMemberResponse r = client.onLeader("add-member " + id, a -> a.addMember(AddMemberRequest.newBuilder()
            .setId(id).setRaftAddress(p.raftAddress()).setClientEndpoint(p.clientEndpoint()).build()));
        print(spec, r.getChanged() ? id + " is a voter now (" + r.getMembersCount() + " members)"
            : id + " was already a voter at " + p.raftAddress() + "; nothing changed");
      }
      return ExitCodes.OK;
    }
  }

  /** {@code admin remove-member}. */
  @Command(name = "remove-member", mixinStandardHelpOptions = true,
      description = "Remove a member (voter or learner). Refuses the last voter; removing the leader hands"
          + " leadership to another voter first.")
  static final class RemoveMember implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;
    @Option(names = "--id", required = true, description = "The member to remove.")
    String id;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        RemoveMemberResponse r = client.onLeader("remove-member " + id,
            a -> a.removeMember(RemoveMemberRequest.newBuilder().setId(id).build()));
        print(spec, r.getChanged() ? id + " removed (" + r.getMembersCount() + " members left)"
            : id + " was not a member; nothing changed");
      }
      return ExitCodes.OK;
    }
  }

  /** {@code admin transfer-leader}. */
  @Command(name = "transfer-leader", mixinStandardHelpOptions = true, description = "Hand leadership to a voter.")
  static final class TransferLeader implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;
    @Option(names = "--to", required = true, description = "The voter that should lead.")
    String to;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.onLeader("transfer-leader --to " + to,
            a -> a.transferLeader(TransferLeaderRequest.newBuilder().setTo(to).build()));
        print(spec, to + " leads now");
      }
      return ExitCodes.OK;
    }
  }

  /** {@code admin high-water}. */
  @Command(name = "high-water", mixinStandardHelpOptions = true,
      description = "Print the persisted high-water mark (Unix ms) as the leader applied it: no timestamp served so"
          + " far has a larger physical part.")
  static final class HighWater implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        String leader = client.onAny("high-water", a -> a.listMembers(ListMembersRequest.getDefaultInstance()))
            .getResponder().getLeader().getEndpoint();
        GetHighWaterResponse r;
        try {
          r = leader.isEmpty() ? null : client.stub(leader, java.time.Duration.ofSeconds(5))
              .getHighWater(GetHighWaterRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
          r = null;
        }
        if (r == null) {
          r = client.onAny("high-water", a -> a.getHighWater(GetHighWaterRequest.getDefaultInstance()));
        }
        print(spec, r.getHighWaterMs() + " ms (" + Instant.ofEpochMilli(r.getHighWaterMs()) + ") on "
            + r.getResponderId());
      }
      return ExitCodes.OK;
    }
  }

  /** {@code admin raise-floor}. */
  @Command(name = "raise-floor", mixinStandardHelpOptions = true,
      description = "Make every timestamp served from now on greater than TS, through the log (never lowers"
          + " anything). Costs one short failover if the leader has not served above TS yet.")
  static final class RaiseFloor implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;
    @Option(names = "--at-least", required = true, paramLabel = "TS",
        description = "A timestamp (the 64-bit value, e.g. the largest one the old oracle handed out).")
    long atLeast;

    @Override
    public Integer call() {
      if (atLeast < 0) {
        throw new CliException(ExitCodes.USAGE, "--at-least must be a timestamp (>= 0), was " + atLeast);
      }
      try (AdminClient client = admin.client()) {
        RaiseFloorResponse r = client.onLeader("raise-floor", a -> a.raiseFloor(RaiseFloorRequest.newBuilder()
            .setAtLeast(atLeast).build()));
        print(spec, "every timestamp from now on is above " + atLeast + " (" + Timestamp.fromLong(atLeast)
            + "); high-water " + r.getHighWaterMs() + " ms" + (r.getNewTerm() ? "; a new term started" : ""));
      }
      return ExitCodes.OK;
    }
  }

  /** {@code admin snapshot}. */
  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Back up the register (read through the log on the leader) to FILE, for tso4j restore.")
  static final class Snapshot implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    AdminEndpointOptions admin;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the backup.")
    Path out;

    @Override
    public Integer call() {
      byte[] bytes;
      try (AdminClient client = admin.client()) {
        bytes = client.onLeader("snapshot", a -> {
          ByteArrayOutputStream buf = new ByteArrayOutputStream();
          Iterator<SnapshotChunk> chunks = a.snapshot(SnapshotRequest.getDefaultInstance());
          chunks.forEachRemaining(c -> buf.writeBytes(c.getData().toByteArray()));
          return buf.toByteArray();
        });
      }
      RegisterBackup backup;
      try {
        backup = RegisterBackup.decode(bytes);
        Path abs = out.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new CliException(ExitCodes.FAILED, "snapshot: cannot write " + out + ": " + e.getMessage(), e);
      }
      print(spec, "wrote backup of high-water " + backup.highWaterMillis() + " ms (term " + backup.term() + ") to "
          + out);
      return ExitCodes.OK;
    }
  }

  /** Parses {@code HOST:RAFT_PORT[/CLIENT_PORT]} for member {@code id}; a usage error otherwise. */
  static PeerSpec parsePeerAddress(String id, String address) {
    try {
      return PeerSpec.parse(id + "=" + address);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "--peer-address: bad value '" + address
          + "'; expected HOST:RAFT_PORT[/CLIENT_PORT], e.g. 127.0.0.1:7104/7004");
    }
  }

  private static void print(CommandSpec spec, String line) {
    PrintWriter w = spec.commandLine().getOut();
    w.println(line);
    w.flush();
  }
}
