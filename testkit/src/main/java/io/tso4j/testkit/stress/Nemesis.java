package io.tso4j.testkit.stress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects faults into a {@link StressCluster} on a schedule drawn from a seeded {@link Random}: a quiet period of
 * 1–2.5 s, then one fault, held for a drawn time, then healed. Kinds come in rounds (every enabled kind once per
 * round, in a seeded order). The same seed
 * gives the same sequence of choices (the cluster's timing still varies). Stops by itself at the end time, leaving
 * every node running and every fault healed for the last few seconds.
 *
 * <p>Between faults it checks that no node exited on its own (a crash or a fatal exit would be a bug): such an exit
 * is recorded as an anomaly and the node is restarted.
 */
final class Nemesis implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);
  /** How long the nemesis waits for a restarted node to follow a leader before the next fault: 20 s. */
  static final long REJOIN_TIMEOUT_MILLIS = 20_000;
  private static final long TAIL_NANOS = TimeUnit.SECONDS.toNanos(4);

  private final StressCluster cluster;
  private final Random rnd;
  private final List<FaultKind> kinds;
  private final long endNanos;
  private final List<FaultEvent> events = Collections.synchronizedList(new ArrayList<>());
  private final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> expectedDown = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final KernelFaults kernel;
  private final List<FaultKind> round = new ArrayList<>();

  /**
   * A nemesis over {@code kinds}, less those in {@code unavailable} (kind → why it cannot run here), which the
   * report lists as skipped.
   */
  Nemesis(StressCluster cluster, long seed, List<FaultKind> kinds, long endNanos,
      java.util.Map<FaultKind, String> unavailable) {
    this.cluster = cluster;
    this.rnd = new Random(seed);
    List<FaultKind> usable = new ArrayList<>(kinds);
    usable.removeIf(unavailable::containsKey);
    this.kinds = List.copyOf(usable);
    this.endNanos = endNanos;
    this.kernel = new KernelFaults(cluster, new Random(seed * 1_000_003L + 17));
  }

  List<FaultEvent> events() {
    return List.copyOf(events);
  }

  List<String> anomalies() {
    return List.copyOf(anomalies);
  }

  @Override
  public void run() {
    try {
      sleepMillis(2_000);
      while (System.nanoTime() + TAIL_NANOS - endNanos < 0) {
        checkNoUnexpectedExit();
        sleepMillis(1_000 + rnd.nextInt(1_500));
        if (System.nanoTime() + TAIL_NANOS - endNanos >= 0 || kinds.isEmpty()) {
          break;
        }
        FaultKind kind = nextKind();
        try {
          inject(kind);
        } catch (IOException e) {
          anomalies.add("could not inject " + kind + ": " + e);
        }
      }
      cluster.healAll();
      checkNoUnexpectedExit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      anomalies.add("could not heal: " + e);
    }
  }

  private void inject(FaultKind kind) throws IOException, InterruptedException {
    Optional<StressCluster.Leader> leader = cluster.awaitServingLeader(5_000);
    String leaderId = leader.map(StressCluster.Leader::id).orElse(null);
    long term = leader.map(StressCluster.Leader::term).orElse(0L);
    List<String> followers = new ArrayList<>();
    for (ServerProcess p : cluster.nodes()) {
      if (!p.id().equals(leaderId)) {
        followers.add(p.id());
      }
    }
    boolean needsLeader = kind == FaultKind.LEADER_KILL || kind == FaultKind.LEADER_PAUSE
        || kind == FaultKind.PARTITION_LEADER || kind == FaultKind.PARTITION_LEADER_RESTART_FOLLOWER
        || kind == FaultKind.CLOCK_JUMP || kind == FaultKind.SLOW_DISK || kind == FaultKind.DISK_FULL;
    if (needsLeader && leaderId == null) {
      anomalies.add("no serving leader within 5 s before " + kind);
      return;
    }
    String follower = followers.get(rnd.nextInt(followers.size()));
    KernelFaults.Injected k;
    switch (kind) {
      case NET_PARTITION:
        k = kernel.netPartition(leaderId, follower);
        break;
      case NET_ONEWAY:
        k = kernel.netOneway(leaderId);
        break;
      case NET_BRIDGE:
        k = kernel.netBridge(leaderId);
        break;
      case NET_FLAP:
        k = kernel.netFlap(leaderId, follower);
        break;
      case CLOCK_FAKETIME:
        k = kernel.clock(leaderId);
        break;
      case DISK_FULL:
        k = kernel.diskFull(leaderId);
        break;
      default:
        k = inProcess(kind, leaderId, follower);
        break;
    }
    String target = k.target();
    long start = k.startNanos();
    String variant = k.variant();
    String note = k.note();
    if (k.anomaly() != null) {
      anomalies.add(kind.cliName() + ": " + k.anomaly());
    }
    boolean wasLeader = target.equals(leaderId);
    FaultEvent e = new FaultEvent(kind, target, wasLeader, term, start, System.nanoTime(), variant, note);
    events.add(e);
    LOG.info("fault {}{} on {}{} (term {}): {}", kind, variant.isEmpty() ? "" : " (" + variant + ")", target,
        wasLeader ? " (leader)" : "", term, note);
  }

  /** The faults injected inside the node processes or by signals (the kinds the nemesis had before kernel faults). */
  private KernelFaults.Injected inProcess(FaultKind kind, String leaderId, String follower)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    String target;
    switch (kind) {
      case LEADER_KILL:
      case FOLLOWER_KILL: {
        target = kind == FaultKind.LEADER_KILL ? leaderId : follower;
        long down = 300 + rnd.nextInt(1_200);
        ServerProcess p = cluster.node(target);
        expectedDown.add(target);
        p.kill();
        start = System.nanoTime();
        sleepMillis(down);
        p.start();
        long restarted = System.nanoTime();
        // The next fault waits until the victim is back (a healthy quorum every time), and the report says when it
        // was: answering on its client port and following the leader.
        boolean back = cluster.awaitFollowing(target, REJOIN_TIMEOUT_MILLIS);
        long backMillis = (System.nanoTime() - restarted) / 1_000_000;
        expectedDown.remove(target);
        if (!back) {
          anomalies.add(target + " did not follow a leader within " + REJOIN_TIMEOUT_MILLIS + " ms of its restart");
        }
        return new KernelFaults.Injected(target, start, "", "down " + down + " ms; " + (back
            ? "back (following) " + backMillis + " ms after its start"
            : "not back within " + REJOIN_TIMEOUT_MILLIS + " ms"));
      }
      case LEADER_PAUSE:
      case FOLLOWER_PAUSE: {
        target = kind == FaultKind.LEADER_PAUSE ? leaderId : follower;
        long pause = 200 + rnd.nextInt(1_300);
        ServerProcess p = cluster.node(target);
        p.pause();
        start = System.nanoTime();
        sleepMillis(pause);
        p.resume();
        return new KernelFaults.Injected(target, start, "", "paused " + pause + " ms");
      }
      case PARTITION_LEADER:
      case PARTITION_FOLLOWER: {
        target = kind == FaultKind.PARTITION_LEADER ? leaderId : follower;
        long hold = 800 + rnd.nextInt(2_200);
        cluster.setIsolated(Set.of(target));
        start = System.nanoTime();
        sleepMillis(hold);
        cluster.setIsolated(Set.of());
        return new KernelFaults.Injected(target, start, "", "isolated " + hold + " ms");
      }
      case PARTITION_LEADER_RESTART_FOLLOWER: {
        target = leaderId;
        long hold = 1_500 + rnd.nextInt(2_000);
        cluster.setIsolated(Set.of(leaderId));
        start = System.nanoTime();
        ServerProcess f = cluster.node(follower);
        expectedDown.add(follower);
        f.kill();
        f.start();
        expectedDown.remove(follower);
        sleepMillis(hold);
        cluster.setIsolated(Set.of());
        return new KernelFaults.Injected(target, start, "", "isolated " + hold + " ms; follower " + follower
            + " kill -9 + restart at once");
      }
      case CLOCK_SKEW: {
        List<ServerProcess> all = cluster.nodes();
        target = all.get(rnd.nextInt(all.size())).id();
        long offset = (200 + rnd.nextInt(1_800)) * (rnd.nextBoolean() ? 1L : -1L);
        long hold = 1_500 + rnd.nextInt(2_500);
        cluster.setClockOffset(target, offset);
        start = System.nanoTime();
        sleepMillis(hold);
        cluster.setClockOffset(target, 0);
        return new KernelFaults.Injected(target, start, "", "offset " + offset + " ms for " + hold + " ms");
      }
      case CLOCK_JUMP: {
        target = leaderId;
        long offset = rnd.nextBoolean() ? 5_000 : -5_000;
        long hold = 1_000 + rnd.nextInt(2_000);
        cluster.setClockOffset(target, offset);
        start = System.nanoTime();
        sleepMillis(hold);
        cluster.setClockOffset(target, 0);
        return new KernelFaults.Injected(target, start, "", "jump " + offset + " ms for " + hold + " ms");
      }
      case SLOW_DISK: {
        target = leaderId;
        long delay = 30 + rnd.nextInt(220);
        long hold = 1_000 + rnd.nextInt(2_000);
        cluster.setDiskDelay(target, delay);
        start = System.nanoTime();
        sleepMillis(hold);
        cluster.setDiskDelay(target, 0);
        return new KernelFaults.Injected(target, start, "", "disk +" + delay + " ms for " + hold + " ms");
      }
      default:
        throw new IllegalArgumentException("not a nemesis fault: " + kind);
    }
  }

  /**
   * The next kind: the enabled kinds in rounds, each round in a fresh seeded order, so that every kind is injected
   * once in every {@code kinds.size()} faults (a short run still covers every kind).
   */
  private FaultKind nextKind() {
    if (round.isEmpty()) {
      round.addAll(kinds);
      Collections.shuffle(round, rnd);
    }
    return round.remove(0);
  }

  private void checkNoUnexpectedExit() throws IOException {
    for (ServerProcess p : cluster.nodes()) {
      if (!p.isAlive() && !expectedDown.contains(p.id())) {
        anomalies.add("node " + p.id() + " exited on its own (see its log)");
        p.start();
      }
    }
  }

  private static void sleepMillis(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
