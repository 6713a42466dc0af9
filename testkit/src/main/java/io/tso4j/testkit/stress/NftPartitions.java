package io.tso4j.testkit.stress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network partitions in the kernel: the nemesis drops packets between node processes with nftables rules in a table
 * of its own, {@code inet tso4j_nemesis_<pid>} (the pid of this stress process).
 *
 * <p>How a packet's sender and receiver are known. Every node binds its own loopback address (127.0.0.11, .12, ...)
 * for its Raft and client ports and runs with a group id of its own ({@code setpriv --regid G}), but an outgoing
 * connection still leaves from 127.0.0.1 (Linux picks that source on loopback), so the addresses alone do not name
 * the sender. Instead: the sender of a packet is the group of the socket that sends it ({@code meta skgid}); the first
 * packet of every connection a node opens marks the connection with that node's group ({@code ct mark}); so a packet
 * from A to B is either on a connection A opened to B's address ({@code meta skgid A ip daddr B}) or on one B opened
 * ({@code meta skgid A ct mark B}). The workload and the stress tool's own channels run with group 0, unmarked: they
 * always reach every node's client port. Nothing outside this run is matched (the groups are this run's own).
 *
 * <p>Life cycle: {@link #open} deletes tables {@code tso4j_nemesis_<pid>} (and {@code tso4j_nemesis_probe_<pid>})
 * left by earlier runs of this tool whose process is gone (and never a table of a live run, nor any other table), then creates this run's table with the
 * marking rules, before any node starts. {@link #close()} deletes it; a shutdown hook does the same if the stress
 * process is stopped. Each change of the cut links is one atomic {@code nft -f} transaction. Thread-safe.
 */
final class NftPartitions implements AutoCloseable {
  /** The prefix of every table this tool creates. */
  static final String TABLE_PREFIX = "tso4j_nemesis_";
  private static final Logger LOG = LoggerFactory.getLogger(NftPartitions.class);
  private static final Pattern OWN_TABLE = Pattern.compile("^table inet (" + TABLE_PREFIX + "(?:probe_)?(\\d+))$",
      Pattern.MULTILINE);
  private static final Pattern PACKETS = Pattern.compile("counter packets (\\d+)");
  private static final String CHAIN = "out";

  /**
   * A node as the rules see it.
   *
   * @param id the node id
   * @param address its own loopback address (Raft and client ports)
   * @param gid the group id its process runs with
   */
  record Member(String id, String address, long gid) {
  }

  /**
   * Packets from node {@code from} to node {@code to} are dropped (the other direction is a link of its own).
   *
   * @param from the sender
   * @param to the receiver
   */
  record Link(String from, String to) {
    /** Both directions between {@code a} and {@code b}. */
    static List<Link> both(String a, String b) {
      return List.of(new Link(a, b), new Link(b, a));
    }

    @Override
    public String toString() {
      return from + "->" + to;
    }
  }

  private final String table;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Thread cleanup;
  private boolean closed;

  private NftPartitions(String table, List<Member> members) {
    this.table = table;
    members.forEach(m -> this.members.put(m.id(), m));
    this.cleanup = new Thread(this::deleteTable, "tso4j-nemesis-nft-cleanup");
  }

  /**
   * Why kernel partitions cannot be used here, or empty if they can: root, {@code nft} that may create a table, and
   * {@code setpriv} to give each node its group.
   */
  static Optional<String> unavailableReason() {
    if (!Commands.isRoot()) {
      return Optional.of("not root (nftables rules and per-node groups need root)");
    }
    Commands.Result v = Commands.run(List.of("nft", "--version"), null);
    if (!v.ok()) {
      return Optional.of("nft not usable (" + v.firstLine() + "); install the Debian package nftables");
    }
    Commands.Result s = Commands.run(List.of("setpriv", "--version"), null);
    if (!s.ok()) {
      return Optional.of("setpriv not usable (" + s.firstLine() + "); it comes with util-linux");
    }
    String probe = TABLE_PREFIX + "probe_" + ProcessHandle.current().pid();
    Commands.Result add = Commands.run(List.of("nft", "add", "table", "inet", probe), null);
    if (!add.ok()) {
      return Optional.of("nft may not create a table (" + add.firstLine() + ")");
    }
    Commands.run(List.of("nft", "delete", "table", "inet", probe), null);
    return Optional.empty();
  }

  /** The group id of node number {@code index} (1-based) in the run of process {@code pid}: unique among live runs. */
  static long gidOf(long pid, int index) {
    return 1_000_000_000L + pid * 8 + index;
  }

  /**
   * Deletes stale tables of earlier runs, creates this run's table (named after this process) with the marking rules
   * for {@code members} and nothing cut, and registers the shutdown hook.
   *
   * @throws IllegalStateException with nft's message if the table cannot be created
   */
  static NftPartitions open(List<Member> members) {
    deleteStaleTables();
    NftPartitions p = new NftPartitions(TABLE_PREFIX + ProcessHandle.current().pid(), members);
    Commands.Result r = Commands.run(List.of("nft", "-f", "-"), p.script(Set.of(), true));
    if (!r.ok()) {
      throw new IllegalStateException("nft could not create table inet " + p.table + ": " + r.firstLine());
    }
    Runtime.getRuntime().addShutdownHook(p.cleanup);
    LOG.info("nftables: table inet {} created for {}", p.table, members);
    return p;
  }

  /** An instance for tests of {@link #script}: no table is created, {@link #close()} must not be called. */
  static NftPartitions forTest(String table, List<Member> members) {
    NftPartitions p = new NftPartitions(table, members);
    p.closed = true;
    return p;
  }

  /** The table's name. */
  String table() {
    return table;
  }

  /**
   * Makes exactly {@code links} cut (an empty set heals everything), in one transaction; returns how many packets the
   * previous cut dropped (read from the rules' counters before they are replaced).
   */
  synchronized long cut(Set<Link> links) {
    if (closed) {
      return 0;
    }
    long dropped = droppedPackets();
    Commands.Result r = Commands.run(List.of("nft", "-f", "-"), script(links, false));
    if (!r.ok()) {
      throw new IllegalStateException("nft could not set the cut links " + links + ": " + r.firstLine());
    }
    return dropped;
  }

  /** Packets dropped by the rules now in place. */
  synchronized long droppedPackets() {
    Commands.Result r = Commands.run(List.of("nft", "list", "chain", "inet", table, CHAIN), null);
    long sum = 0;
    if (r.ok()) {
      Matcher m = PACKETS.matcher(r.output());
      while (m.find()) {
        sum += Long.parseLong(m.group(1));
      }
    }
    return sum;
  }

  /** The nft script that makes exactly {@code links} cut; {@code create} makes the table first. */
  String script(Set<Link> links, boolean create) {
    StringBuilder b = new StringBuilder();
    if (create) {
      b.append("table inet ").append(table).append(" {\n  chain ").append(CHAIN)
          .append(" { type filter hook output priority filter; policy accept; }\n}\n");
    }
    b.append("flush chain inet ").append(table).append(' ').append(CHAIN).append('\n');
    for (Member m : members.values()) {
      b.append("add rule inet ").append(table).append(' ').append(CHAIN).append(" ct state new meta skgid ")
          .append(m.gid()).append(" ct mark set ").append(m.gid()).append('\n');
    }
    for (Link l : links) {
      Member from = member(l.from());
      Member to = member(l.to());
      b.append("add rule inet ").append(table).append(' ').append(CHAIN).append(" meta skgid ").append(from.gid())
          .append(" ip daddr ").append(to.address()).append(" counter drop\n");
      b.append("add rule inet ").append(table).append(' ').append(CHAIN).append(" meta skgid ").append(from.gid())
          .append(" ct mark ").append(to.gid()).append(" counter drop\n");
    }
    return b.toString();
  }

  private Member member(String id) {
    Member m = members.get(id);
    if (m == null) {
      throw new IllegalArgumentException("not a node of this run: " + id);
    }
    return m;
  }

  /** Deletes the table (idempotent) and the shutdown hook. */
  @Override
  public synchronized void close() {
    deleteTable();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // shutting down already: the hook runs
    }
  }

  private synchronized void deleteTable() {
    if (closed) {
      return;
    }
    closed = true;
    Commands.Result r = Commands.run(List.of("nft", "delete", "table", "inet", table), null);
    if (r.ok()) {
      LOG.info("nftables: table inet {} deleted", table);
    } else {
      LOG.warn("nftables: could not delete table inet {}: {}", table, r.firstLine());
    }
  }

  /**
   * Deletes every {@code inet tso4j_nemesis_<pid>} table whose process is gone; returns their names. Tables of live
   * runs and every other table are left alone.
   */
  static List<String> deleteStaleTables() {
    List<String> deleted = new ArrayList<>();
    Commands.Result r = Commands.run(List.of("nft", "list", "tables"), null);
    if (!r.ok()) {
      return deleted;
    }
    Matcher m = OWN_TABLE.matcher(r.output());
    while (m.find()) {
      long pid = Long.parseLong(m.group(2));
      if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      String name = m.group(1);
      if (Commands.run(List.of("nft", "delete", "table", "inet", name), null).ok()) {
        LOG.warn("nftables: deleted stale table inet {} of an earlier run", name);
        deleted.add(name);
      }
    }
    return deleted;
  }
}
