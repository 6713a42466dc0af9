package io.tso4j.testkit.stress;

import io.tso4j.proto.v1.GetMembersResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restart-time scenario: kill -9 of a node (the serving leader and a follower in turn), started again at once, and
 * the time from just before the new process's exec to (a) its client port answering (GetMembers returns) and (b) its
 * following the leader (GetMembers names a leader other than itself with its term, or it serves). The probe polls every
 * {@value #POLL_MILLIS} ms and resets its channel's reconnect backoff before each call, so that gRPC's backoff (1 s,
 * growing) never adds to the figure. Before every event it waits for a healthy cluster: a serving leader, every node
 * following it, then {@value #SETTLE_MILLIS} ms.
 *
 * <p>With {@code variants} {@code [true, false]} every pair of events restarts with and without the class-data sharing
 * archive (the order flips every two pairs), so both are measured side by side under the same conditions. Each event is
 * recorded as a {@link FaultKind#LEADER_KILL} or {@link FaultKind#FOLLOWER_KILL} (the report's failover figures then
 * cover the leader kills), and as a {@link RestartSample} with the phases read from the node's own log. Stops after
 * {@code events} events per variant or at the end time, whichever comes first.
 */
final class RestartScenario implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RestartScenario.class);
  static final long POLL_MILLIS = 10;
  static final long SETTLE_MILLIS = 1_000;
  /** How long a restarted node may take to follow before the event counts as failed. */
  static final long REJOIN_TIMEOUT_MILLIS = Nemesis.REJOIN_TIMEOUT_MILLIS;
  private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) ");
  private static final Pattern TERM = Pattern.compile("serving state \\S+ term \\d+ -> \\S+ term (\\d+)");

  private final StressCluster cluster;
  private final int events;
  private final List<Boolean> variants;
  private final long endNanos;
  private final List<FaultEvent> faults = Collections.synchronizedList(new ArrayList<>());
  private final List<RestartSample> samples = Collections.synchronizedList(new ArrayList<>());
  private final List<String> anomalies = Collections.synchronizedList(new ArrayList<>());

  RestartScenario(StressCluster cluster, int events, List<Boolean> variants, long endNanos) {
    this.cluster = cluster;
    this.events = events;
    this.variants = List.copyOf(variants);
    this.endNanos = endNanos;
  }

  List<FaultEvent> events() {
    return List.copyOf(faults);
  }

  List<RestartSample> samples() {
    return List.copyOf(samples);
  }

  List<String> anomalies() {
    return List.copyOf(anomalies);
  }

  @Override
  public void run() {
    int nv = variants.size();
    try {
      for (int i = 0; i < events * nv; i++) {
        if (!awaitHealthy(30_000)) {
          anomalies.add("the cluster was not healthy (a serving leader, every node following) within 30 s before "
              + "event " + (i + 1));
        }
        Thread.sleep(SETTLE_MILLIS);
        if (System.nanoTime() + TimeUnit.SECONDS.toNanos(REJOIN_TIMEOUT_MILLIS / 1000) - endNanos >= 0) {
          anomalies.add("stopped after " + i + " of " + events * nv + " events: the run's --duration ended");
          break;
        }
        int block = i / nv;
        boolean cds = variants.get((i % nv + block / 2) % nv);
        restart(block % 2 == 0, block / 2, cds);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      anomalies.add("restart failed: " + e);
    }
  }

  private boolean awaitHealthy(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() - deadline < 0) {
      Optional<StressCluster.Leader> leader = cluster.servingLeader();
      if (leader.isPresent()) {
        boolean all = true;
        for (ServerProcess p : cluster.nodes()) {
          Optional<GetMembersResponse> r = cluster.members(p.id(), 300);
          all &= r.isPresent() && (r.get().getServing() || (r.get().getLeader().getId().equals(leader.get().id())
              && r.get().getLeader().getTerm() == leader.get().term()));
        }
        if (all) {
          return true;
        }
      }
      Thread.sleep(50);
    }
    return false;
  }

  private void restart(boolean leaderTurn, int followerTurn, boolean cds) throws IOException, InterruptedException {
    Optional<StressCluster.Leader> leader = cluster.awaitServingLeader(10_000);
    if (leader.isEmpty()) {
      anomalies.add("no serving leader within 10 s before a restart");
      return;
    }
    List<String> followers = new ArrayList<>();
    for (ServerProcess p : cluster.nodes()) {
      if (!p.id().equals(leader.get().id())) {
        followers.add(p.id());
      }
    }
    String target = leaderTurn ? leader.get().id() : followers.get(followerTurn % followers.size());
    ServerProcess p = cluster.node(target);
    long killed = System.nanoTime();
    p.kill();
    p.start(cds ? ServerProcess.CdsUse.MAP : ServerProcess.CdsUse.NONE);
    long exec = p.startNanos();
    long answered = -1;
    long followed = -1;
    long term = 0;
    long cpu = -1;
    long deadline = exec + TimeUnit.MILLISECONDS.toNanos(REJOIN_TIMEOUT_MILLIS);
    while (System.nanoTime() - deadline < 0 && p.isAlive()) {
      long before = System.nanoTime();
      Optional<GetMembersResponse> r = cluster.members(target, 200);
      if (r.isPresent()) {
        long now = System.nanoTime();
        if (answered < 0) {
          answered = now;
        }
        GetMembersResponse m = r.get();
        String named = m.getLeader().getId();
        if (m.getServing() || (!named.isEmpty() && !named.equals(target) && m.getLeader().getTerm() > 0)) {
          followed = now;
          cpu = p.cpuMillis();
          term = m.getLeader().getTerm();
          break;
        }
      }
      long left = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS) - (System.nanoTime() - before);
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
    }
    long answerMillis = answered < 0 ? -1 : (answered - exec) / 1_000_000;
    long followMillis = followed < 0 ? -1 : (followed - exec) / 1_000_000;
    long os = p.processStart().map(Instant::toEpochMilli).map(t -> t - p.startEpochMillis()).orElse(-1L);
    long[] phases = phases(p, term);
    RestartSample s = new RestartSample(target, leaderTurn, cds, answerMillis, followMillis, term, os, phases[0],
        phases[1], phases[2], phases[3], cpu);
    String note = String.format(java.util.Locale.ROOT, "restart at once %s CDS; client port answering %d ms, "
        + "following (term %d) %d ms after the exec (CPU %d ms); log: main %d ms, Ratis state machine %d ms, "
        + "driver started %d ms, term known %d ms", cds ? "with" : "without", answerMillis, term, followMillis, cpu,
        phases[0], phases[1], phases[2], phases[3]);
    samples.add(s);
    faults.add(new FaultEvent(leaderTurn ? FaultKind.LEADER_KILL : FaultKind.FOLLOWER_KILL, target, leaderTurn,
        leader.get().term(), killed, exec, cds ? "cds" : "no-cds", note));
    LOG.info("restart {} of {}{}: {}", samples.size(), target, leaderTurn ? " (leader)" : "", note);
    if (followed < 0) {
      anomalies.add(target + " did not follow a leader within " + REJOIN_TIMEOUT_MILLIS + " ms of its restart"
          + (p.isAlive() ? "" : " (it exited)"));
      if (!p.isAlive()) {
        p.start();
      }
    }
  }

  /**
   * The phases of the last start from the node's log, each in ms from the exec (-1 if the line is absent): first line,
   * state machine initialised, driver started, first serving-state line with {@code term}.
   */
  private static long[] phases(ServerProcess p, long term) {
    long[] out = {-1, -1, -1, -1};
    String text;
    try (InputStream in = Files.newInputStream(p.log())) {
      in.skipNBytes(p.logOffset());
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return out;
    }
    for (String line : text.split("\n")) {
      Matcher m = STAMP.matcher(line);
      if (!m.find()) {
        continue;
      }
      long at = Instant.parse(m.group(1)).toEpochMilli() - p.startEpochMillis();
      if (out[0] < 0) {
        out[0] = at;
      }
      if (out[1] < 0 && (line.contains("starting from the log") || line.contains("loaded snapshot"))) {
        out[1] = at;
      }
      if (out[2] < 0 && line.contains("Ratis driver started")) {
        out[2] = at;
      }
      Matcher t = TERM.matcher(line);
      if (out[3] < 0 && term > 0 && t.find() && Long.parseLong(t.group(1)) >= term) {
        out[3] = at;
      }
    }
    return out;
  }
}
