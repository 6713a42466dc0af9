package io.tso4j.testkit.stress;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The faults that come from outside the node processes: kernel partitions ({@link NftPartitions}), clocks
 * ({@link FakeClock}, {@link ClockCase}) and a full disk ({@link TmpfsDisks}). Each method injects one fault, holds it
 * for a drawn time, heals it and says what happened; the {@link Nemesis} records it. Choices come from the nemesis'
 * seeded {@link Random}. Driven by the nemesis thread only.
 */
final class KernelFaults {
  private static final long FLAP_TOTAL_MIN_MILLIS = 3_000;
  private static final long DRIFT_STEP_MILLIS = 250;

  private final StressCluster cluster;
  private final Random rnd;
  private final List<ClockCase> clockCases;
  private int nextClockCase;

  /**
   * What one injection did.
   *
   * @param target the node the fault was aimed at
   * @param startNanos when it took effect
   * @param variant which form (for the per-case report)
   * @param note details
   * @param anomaly what went wrong with the fault itself (a partition that dropped no packet, a node that did not
   *     come back), or null
   */
  record Injected(String target, long startNanos, String variant, String note, String anomaly) {
    Injected(String target, long startNanos, String variant, String note) {
      this(target, startNanos, variant, note, null);
    }

    /**
     * For a kernel partition: an anomaly if it cut a link of the leader and dropped nothing (the rules did not
     * bite; the leader sends heartbeats every few tens of milliseconds). Followers do not talk to each other while
     * a leader is stable, so a cut between two followers may rightly drop nothing.
     */
    static Injected net(String target, long startNanos, String variant, String note, long dropped,
        boolean leaderLink) {
      return new Injected(target, startNanos, variant, note + ", " + dropped + " packets dropped",
          dropped > 0 || !leaderLink ? null
              : variant + ": the nftables rules dropped no packet on a link of the leader (the partition did not "
                  + "happen)");
    }
  }

  KernelFaults(StressCluster cluster, Random rnd) {
    this.cluster = cluster;
    this.rnd = rnd;
    List<ClockCase> cases = new ArrayList<>(List.of(ClockCase.values()));
    Collections.shuffle(cases, rnd);
    this.clockCases = List.copyOf(cases);
  }

  private NftPartitions nft() {
    return cluster.kernelNet().orElseThrow(() -> new IllegalStateException("no kernel partitions in this run"));
  }

  private List<String> ids() {
    List<String> ids = new ArrayList<>();
    cluster.nodes().forEach(n -> ids.add(n.id()));
    return ids;
  }

  private static Set<NftPartitions.Link> isolating(String node, List<String> all) {
    Set<NftPartitions.Link> links = new LinkedHashSet<>();
    for (String other : all) {
      if (!other.equals(node)) {
        links.addAll(NftPartitions.Link.both(node, other));
      }
    }
    return links;
  }

  /** The leader (half the time) or a follower cut off from both others, both ways, for 0.8–3 s. */
  Injected netPartition(String leader, String follower) throws InterruptedException {
    boolean ofLeader = leader != null && rnd.nextBoolean();
    String target = ofLeader ? leader : follower;
    long hold = 800 + rnd.nextInt(2_200);
    nft().cut(isolating(target, ids()));
    long start = System.nanoTime();
    Thread.sleep(hold);
    long dropped = nft().cut(Set.of());
    return Injected.net(target, start, ofLeader ? "isolate leader" : "isolate follower", "isolated " + hold + " ms",
        dropped, leader != null);
  }

  /**
   * One-way loss for 1–3 s: half the time everything the leader sends to the followers (it still hears them), else
   * one drawn link between the leader and a follower, in a drawn direction (the other direction delivered). (A link
   * between two followers carries nothing while the leader is stable.)
   */
  Injected netOneway(String leader) throws InterruptedException {
    List<String> all = ids();
    Set<NftPartitions.Link> links = new LinkedHashSet<>();
    String target;
    String variant;
    if (leader != null && rnd.nextBoolean()) {
      target = leader;
      variant = "leader outbound dropped";
      for (String o : all) {
        if (!o.equals(leader)) {
          links.add(new NftPartitions.Link(leader, o));
        }
      }
    } else {
      List<String> others = new ArrayList<>(all);
      String a = leader != null ? leader : others.get(rnd.nextInt(others.size()));
      others.remove(a);
      String b = others.get(rnd.nextInt(others.size()));
      boolean outbound = rnd.nextBoolean();
      String from = outbound ? a : b;
      String to = outbound ? b : a;
      links.add(new NftPartitions.Link(from, to));
      target = from;
      variant = from.equals(leader) ? "leader->follower dropped" : to.equals(leader) ? "follower->leader dropped"
          : "follower->follower dropped";
    }
    long hold = 1_000 + rnd.nextInt(2_000);
    nft().cut(links);
    long start = System.nanoTime();
    Thread.sleep(hold);
    long dropped = nft().cut(Set.of());
    return Injected.net(target, start, variant, links + " for " + hold + " ms", dropped, leader != null);
  }

  /**
   * A bridge for 1.5–4 s: a follower B stays connected to both others, which are cut from each other, so the leader
   * sits at one end with a majority (itself and B) and the other end may campaign through B. (With the leader as the
   * bridge the cut link would join two followers, which carries nothing.)
   */
  Injected netBridge(String leader) throws InterruptedException {
    List<String> all = ids();
    List<String> candidates = new ArrayList<>(all);
    if (leader != null) {
      candidates.remove(leader);
    }
    String bridge = candidates.get(rnd.nextInt(candidates.size()));
    List<String> ends = new ArrayList<>(all);
    ends.remove(bridge);
    Set<NftPartitions.Link> links = new LinkedHashSet<>(NftPartitions.Link.both(ends.get(0), ends.get(1)));
    long hold = 1_500 + rnd.nextInt(2_500);
    nft().cut(links);
    long start = System.nanoTime();
    Thread.sleep(hold);
    long dropped = nft().cut(Set.of());
    return Injected.net(bridge, start, leader == null ? "no leader known" : "leader at an end",
        ends.get(0) + " x " + ends.get(1) + " cut, " + bridge + " bridges, " + hold + " ms", dropped, leader != null);
  }

  /** A flapping node for 3–5 s: cut off for 0.2–0.7 s, connected for 0.2–0.7 s, again. */
  Injected netFlap(String leader, String follower) throws InterruptedException {
    boolean ofLeader = leader != null && rnd.nextBoolean();
    String target = ofLeader ? leader : follower;
    long total = FLAP_TOTAL_MIN_MILLIS + rnd.nextInt(2_000);
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(total);
    int flaps = 0;
    long dropped = 0;
    Set<NftPartitions.Link> cut = isolating(target, ids());
    while (System.nanoTime() - end < 0) {
      nft().cut(cut);
      flaps++;
      Thread.sleep(200 + rnd.nextInt(500));
      dropped += nft().cut(Set.of());
      Thread.sleep(200 + rnd.nextInt(500));
    }
    return Injected.net(target, start, ofLeader ? "leader flaps" : "follower flaps",
        flaps + " cuts in " + total + " ms", dropped, leader != null);
  }

  /** The next {@link ClockCase} (each in turn, in a seeded order). */
  Injected clock(String leader) throws IOException, InterruptedException {
    ClockCase c = clockCases.get(nextClockCase++ % clockCases.size());
    return c.isRate() ? clockRate(c, leader) : clockWall(c, leader);
  }

  private Injected clockWall(ClockCase c, String leader) throws IOException, InterruptedException {
    List<ServerProcess> wall = cluster.nodes();
    ServerProcess target = wall.stream().filter(n -> n.id().equals(leader)).findFirst()
        .orElse(wall.get(rnd.nextInt(wall.size())));
    long logFrom = size(target.log());
    long hold = 2_500 + rnd.nextInt(2_000);
    target.clock().setOffsetMillis(c.firstOffsetMillis());
    long start = System.nanoTime();
    if (c.secondOffsetMillis() != 0) {
      Thread.sleep(hold / 2);
      target.clock().setOffsetMillis(c.secondOffsetMillis());
      Thread.sleep(hold - hold / 2);
    } else {
      Thread.sleep(hold);
    }
    target.clock().setOffsetMillis(0);
    // libfaketime re-reads within a second: let the step back show before the next fault.
    Thread.sleep(FakeClock.REREAD_SECONDS * 1_000L + 200);
    return new Injected(target.id(), start, c.name(), c.label() + " for " + hold + " ms; node logged "
        + clockLines(target.log(), logFrom) + " clock warnings");
  }

  /**
   * A wall-clock rate as a drift: every {@value #DRIFT_STEP_MILLIS} ms the offset grows by (rate − 1) × the elapsed
   * time (libfaketime's own rate mode is not used: with a rate set, nodes stalled for 15–40 s in every run here).
   */
  private Injected clockRate(ClockCase c, String leader) throws IOException, InterruptedException {
    // Within the bound: the leader's clock (it serves from it). Beyond: a follower's, with the leader cut off.
    List<ServerProcess> followers = cluster.nodes().stream().filter(n -> !n.id().equals(leader)).toList();
    ServerProcess target = c.withinBound() && leader != null ? cluster.node(leader)
        : followers.get(rnd.nextInt(followers.size()));
    long logFrom = size(target.log());
    long hold = 3_000 + rnd.nextInt(2_000);
    boolean cutLeader = !c.withinBound() && leader != null && !leader.equals(target.id());
    long cutFrom = 1_200;
    long cutFor = 1_500 + rnd.nextInt(1_000);
    boolean cut = false;
    long start = System.nanoTime();
    long offset = 0;
    for (long elapsed = 0; elapsed < hold; elapsed = (System.nanoTime() - start) / 1_000_000) {
      offset = Math.round(elapsed * (c.rate() - 1.0));
      target.clock().setOffsetMillis(offset);
      if (cutLeader && !cut && elapsed >= cutFrom && elapsed < cutFrom + cutFor) {
        cutOff(leader, true);
        cut = true;
      } else if (cut && elapsed >= cutFrom + cutFor) {
        cutOff(leader, false);
        cut = false;
      }
      Thread.sleep(DRIFT_STEP_MILLIS);
    }
    if (cut) {
      cutOff(leader, false);
    }
    target.clock().setOffsetMillis(0);
    Thread.sleep(FakeClock.REREAD_SECONDS * 1_000L + 200);
    String extra = cutLeader ? "; leader " + leader + " cut off " + cutFor + " ms while the fast clock ran"
        : !c.withinBound() ? "; no other leader to cut off" : "";
    return new Injected(target.id(), start, c.name(), String.format(java.util.Locale.ROOT,
        "%s for %d ms%s; wall clock %+d ms off at the end, then stepped back; node logged %d clock warnings",
        c.label(), hold, extra, offset, clockLines(target.log(), logFrom)));
  }

  private void cutOff(String node, boolean cut) throws IOException {
    if (cluster.kernelNet().isPresent()) {
      nft().cut(cut ? isolating(node, ids()) : Set.of());
    } else {
      cluster.setIsolated(cut ? Set.of(node) : Set.of());
    }
  }

  /**
   * The leader's disk filled until ENOSPC for 2–5 s, then freed; waits up to 30 s for the node to follow again. Half
   * the time the node serves on while full (its log segment is preallocated, so appends go on; snapshots, taken
   * often in a disk run, need new space), half the time it is also kill -9'd and restarted while full (start-up
   * needs new space). A node that exits on a full disk is started again once the disk is free.
   */
  Injected diskFull(String leader) throws IOException, InterruptedException {
    TmpfsDisks disks = cluster.smallDisks().orElseThrow(() -> new IllegalStateException("no small disks"));
    ServerProcess target = cluster.node(leader);
    long logFrom = size(target.log());
    long hold = 2_000 + rnd.nextInt(3_000);
    boolean restart = rnd.nextBoolean();
    long bytes = disks.fill(leader);
    long start = System.nanoTime();
    if (restart) {
      target.kill();
      target.start();
    }
    Thread.sleep(hold);
    boolean exited = !target.isAlive();
    disks.free(leader);
    if (exited) {
      target.start();
    }
    boolean back = cluster.awaitFollowing(leader, 30_000);
    long recovered = (System.nanoTime() - start) / 1_000_000 - hold;
    List<String> lines = matchingLines(target.log(), logFrom, "No space left");
    return new Injected(leader, start, restart ? "leader disk full + restart" : "leader disk full",
        String.format(java.util.Locale.ROOT, "filled %d MB for %d ms%s; %s; %d log lines name ENOSPC%s",
            bytes >> 20, hold, restart ? ", kill -9 + restart while full" : "",
            back ? "node up again " + recovered + " ms after the disk was freed" : "node NOT back within 30 s",
            lines.size(), exited ? "; the process exited while the disk was full (started again)" : ""),
        back ? null : "node " + leader + " did not follow the leader within 30 s after its disk was freed");
  }

  private static long size(Path log) {
    try {
      return Files.size(log);
    } catch (IOException e) {
      return 0;
    }
  }

  private static long clockLines(Path log, long from) {
    return matchingLines(log, from, "wall clock").size();
  }

  /** The lines of {@code log} from byte {@code from} on that contain {@code needle} (at most 1 MB read). */
  static List<String> matchingLines(Path log, long from, String needle) {
    List<String> out = new ArrayList<>();
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = Math.min(f.length() - from, 1 << 20);
      if (len <= 0) {
        return out;
      }
      byte[] b = new byte[(int) len];
      f.seek(from);
      f.readFully(b);
      for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
        if (line.contains(needle)) {
          out.add(line);
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }
}
