package io.tso4j.cli;

import io.grpc.StatusRuntimeException;
import io.tso4j.proto.v1.ListMembersRequest;
import io.tso4j.proto.v1.ListMembersResponse;
import io.tso4j.proto.v1.MemberInfo;
import io.tso4j.proto.v1.MemberRole;
import io.tso4j.proto.v1.NodeState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tso4j members}: the members of the committed Raft configuration (from the leader when it answers, for the
 * lag), each with its own state as it reports it (asked one by one; "unreachable" if it does not answer).
 */
@Command(name = "members", mixinStandardHelpOptions = true,
    description = "List the members of the cluster: id, role (leader / follower / learner), Raft address, client"
        + " endpoint, serving state, term, last applied index and lag (entries behind the leader's commit index).")
final class MembersCommand implements Callable<Integer> {
  private static final Duration PER_NODE = Duration.ofSeconds(2);

  @Spec
  CommandSpec spec;

  @Mixin
  AdminEndpointOptions admin;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  /** One row: the member as the configuration records it, and its own state (null if it did not answer). */
  record Row(MemberInfo member, NodeState state) {
  }

  @Override
  public Integer call() {
    try (AdminClient client = admin.client()) {
      ListMembersResponse view = client.onAny("members", a -> a.listMembers(ListMembersRequest.getDefaultInstance()));
      String leaderEndpoint = view.getResponder().getLeader().getEndpoint();
      if (view.getResponder().getRole() != MemberRole.MEMBER_ROLE_LEADER && !leaderEndpoint.isEmpty()) {
        try {
          view = client.stub(leaderEndpoint, PER_NODE).listMembers(ListMembersRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
          // keep the follower's view (no lag)
        }
      }
      List<Row> rows = new ArrayList<>();
      for (MemberInfo m : view.getMembersList()) {
        NodeState state = null;
        if (!m.getClientEndpoint().isEmpty()) {
          try {
            state = client.stub(m.getClientEndpoint(), PER_NODE).listMembers(ListMembersRequest.getDefaultInstance())
                .getResponder();
          } catch (StatusRuntimeException e) {
            state = null;
          }
        }
        rows.add(new Row(m, state));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(json ? json(view, rows) : table(rows));
      out.flush();
      return ExitCodes.OK;
    }
  }

  static String role(MemberRole r) {
    return switch (r) {
      case MEMBER_ROLE_LEADER -> "leader";
      case MEMBER_ROLE_FOLLOWER -> "follower";
      case MEMBER_ROLE_LEARNER -> "learner";
      default -> "?";
    };
  }

  private static String state(NodeState s) {
    return s == null ? "unreachable" : s.getStatus().name().replace("SERVING_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  static String table(List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"ID", "ROLE", "RAFT", "CLIENT", "STATE", "TERM", "APPLIED", "LAG"});
    for (Row r : rows) {
      MemberInfo m = r.member();
      cells.add(new String[] {m.getId(), role(m.getRole()), m.getRaftAddress(),
          m.getClientEndpoint().isEmpty() ? "?" : m.getClientEndpoint(), state(r.state()),
          r.state() == null ? "-" : Long.toString(r.state().getTerm()),
          r.state() == null ? "-" : Long.toString(r.state().getLastAppliedIndex()),
          m.getLag() < 0 ? "-" : Long.toString(m.getLag())});
    }
    int[] widths = new int[cells.get(0).length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        b.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + (widths[i] + 2) + "s", row[i]));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static String json(ListMembersResponse view, List<Row> rows) {
    StringBuilder b = new StringBuilder("{\"configurationIndex\":").append(view.getConfigurationIndex())
        .append(",\"members\":[");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      MemberInfo m = r.member();
      b.append(i == 0 ? "" : ",").append("{\"id\":").append(quote(m.getId()))
          .append(",\"role\":").append(quote(role(m.getRole())))
          .append(",\"raftAddress\":").append(quote(m.getRaftAddress()))
          .append(",\"clientEndpoint\":").append(quote(m.getClientEndpoint()))
          .append(",\"state\":").append(quote(state(r.state())))
          .append(",\"term\":").append(r.state() == null ? "null" : Long.toString(r.state().getTerm()))
          .append(",\"lastAppliedIndex\":")
          .append(r.state() == null ? "null" : Long.toString(r.state().getLastAppliedIndex()))
          .append(",\"lag\":").append(m.getLag() < 0 ? "null" : Long.toString(m.getLag())).append('}');
    }
    return b.append("]}\n").toString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
