package io.tso4j.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One member of the cluster as written on the command line: {@code ID=HOST:RAFT_PORT[/CLIENT_PORT]}.
 *
 * <p>The optional client port is the member's gRPC port, used for leader hints and member discovery; without it the
 * member's client endpoint is unknown to the others. Immutable.
 *
 * @param id the node id (letters, digits, '-', '_')
 * @param host the host of the Raft (and client) endpoint
 * @param raftPort the Raft port
 * @param clientPort the gRPC client port, or 0 if not given
 */
public record PeerSpec(String id, String host, int raftPort, int clientPort) {
  private static final Pattern FORM = Pattern.compile("([A-Za-z0-9_-]+)=([^:/]+):(\\d+)(?:/(\\d+))?");

  /** Parses a comma-separated peer list; throws IllegalArgumentException with the offending entry. */
  public static List<PeerSpec> parseList(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("peer list is empty; expected ID=HOST:RAFT_PORT[/CLIENT_PORT],...");
    }
    List<PeerSpec> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (String part : text.split(",")) {
      PeerSpec p = parse(part.trim());
      if (!ids.add(p.id)) {
        throw new IllegalArgumentException("duplicate peer id '" + p.id + "' in '" + text + "'");
      }
      if (!addresses.add(p.raftAddress())) {
        throw new IllegalArgumentException("duplicate raft address " + p.raftAddress() + " in '" + text + "'");
      }
      out.add(p);
    }
    return Collections.unmodifiableList(out);
  }

  /** Parses one {@code ID=HOST:RAFT_PORT[/CLIENT_PORT]}. */
  public static PeerSpec parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("bad peer '" + text + "'; expected ID=HOST:RAFT_PORT[/CLIENT_PORT], "
          + "e.g. n1=127.0.0.1:7101/7001");
    }
    int raft = port(m.group(3), text);
    int client = m.group(4) == null ? 0 : port(m.group(4), text);
    return new PeerSpec(m.group(1), m.group(2), raft, client);
  }

  private static int port(String s, String text) {
    int p;
    try {
      p = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("bad port " + s + " in peer '" + text + "'; expected 1..65535");
    }
    return p;
  }

  /** HOST:RAFT_PORT. */
  public String raftAddress() {
    return host + ":" + raftPort;
  }

  /** HOST:CLIENT_PORT, or empty if the client port is unknown. */
  public String clientEndpoint() {
    return clientPort == 0 ? "" : host + ":" + clientPort;
  }

  @Override
  public String toString() {
    return id + "=" + raftAddress() + (clientPort == 0 ? "" : "/" + clientPort);
  }
}
