package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.server.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster's life on real processes ({@code tso4j serve} JVMs on loopback), driven by the real CLI: 3 nodes → n4
 * joins → remove n1 → kill n1's process → a disk dies (kill n2, wipe its data dir, remove n2) → a fresh n5 joins.
 * A sequential caller runs throughout: every timestamp is above the previous one (0 order violations), and no call
 * fails outside the reconfiguration windows (each step plus 10 s for clients to follow); {@code tso4j members}
 * shows exactly the expected members, one leader and no learner after every step.
 */
@Tag("process")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
final class MembershipProcessIT {
  private static final Duration SETTLE = Duration.ofSeconds(10);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the node logs
  Path dir;

  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Map<String, int[]> ports = new LinkedHashMap<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : processes.values()) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void addRemoveKillReplaceKeepsServingInOrder() throws Exception {
    // Ten distinct ports: a port found free and closed again may be found free a second time (seen: n2's Raft port
    // was n1's client port, and n2 never came up).
    Set<Integer> taken = new HashSet<>();
    for (String id : List.of("n1", "n2", "n3", "n4", "n5")) {
      ports.put(id, new int[] {distinctFreePort(taken), distinctFreePort(taken)});
    }
    String peers = String.join(",", List.of(peer("n1"), peer("n2"), peer("n3")));
    for (String id : List.of("n1", "n2", "n3")) {
      start(id, List.of("--peers", peers));
    }
    // Positive control of the order check: an answer not above the previous one is a violation.
    assertThat(Checker.violates(41, 41)).isTrue();
    assertThat(Checker.violates(41, 42)).isFalse();
    // The client is given the first three nodes only; it learns n4 and n5 from GetMembers.
    Checker checker = new Checker(List.of(endpoint("n1"), endpoint("n2"), endpoint("n3")));
    Thread caller = new Thread(checker, "membership-checker");
    try {
      awaitMembers(Set.of("n1", "n2", "n3"), List.of(endpoint("n1")));
      caller.start();
      checker.awaitCalls(20, Duration.ofSeconds(60));

      checker.window(() -> {
        start("n4", List.of("--join", endpoint("n1") + "," + endpoint("n2"), "--peer-address",
            "127.0.0.1:" + ports.get("n4")[0] + "/" + ports.get("n4")[1]));
        awaitMembers(Set.of("n1", "n2", "n3", "n4"), List.of(endpoint("n2")));
      });
      checker.window(() -> {
        assertThat(cli("admin", "remove-member", "--endpoints", endpoint("n2"), "--id", "n1")).isZero();
        awaitMembers(Set.of("n2", "n3", "n4"), List.of(endpoint("n3")));
      });
      checker.window(() -> {
        kill("n1");
        awaitMembers(Set.of("n2", "n3", "n4"), List.of(endpoint("n4")));
      });
      checker.awaitCalls(checker.calls() + 20, Duration.ofSeconds(60));

      // A disk dies: n2's process and data are gone for good; it is replaced by a fresh n5.
      checker.window(() -> {
        kill("n2");
        deleteRecursively(dir.resolve("data").resolve("n2"));
        assertThat(cli("admin", "remove-member", "--endpoints", endpoint("n3") + "," + endpoint("n4"), "--id", "n2"))
            .isZero();
        awaitMembers(Set.of("n3", "n4"), List.of(endpoint("n3")));
        start("n5", List.of("--join", endpoint("n3") + "," + endpoint("n4"), "--peer-address",
            "127.0.0.1:" + ports.get("n5")[0] + "/" + ports.get("n5")[1]));
        awaitMembers(Set.of("n3", "n4", "n5"), List.of(endpoint("n5")));
      });
      checker.awaitCalls(checker.calls() + 20, Duration.ofSeconds(60));
    } finally {
      checker.stop();
      caller.join(30_000);
    }
    System.out.println("MembershipProcessIT: " + checker.calls() + " calls, " + checker.failures.size()
        + " failed, " + checker.windows.size() + " reconfiguration windows");
    assertThat(checker.violations).as("order violations").isZero();
    assertThat(checker.failuresOutsideWindows()).as("failed calls outside reconfiguration windows").isEmpty();
  }

  private String peer(String id) {
    return id + "=127.0.0.1:" + ports.get(id)[0] + "/" + ports.get(id)[1];
  }

  private String endpoint(String id) {
    return "127.0.0.1:" + ports.get(id)[1];
  }

  private void start(String id, List<String> membership) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "serve", "--id", id, "--data-dir", dir.resolve("data").resolve(id).toString()));
    cmd.addAll(membership);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(id + ".log").toFile())).start();
    processes.put(id, p);
  }

  private void kill(String id) throws InterruptedException {
    Process p = processes.remove(id);
    p.destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Runs the CLI in this JVM; returns its exit code (output kept for the failure message). */
  private static int cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    if (code != 0) {
      System.out.println("tso4j " + String.join(" ", args) + " → " + code + ": " + out + err);
    }
    return code;
  }

  private static int distinctFreePort(Set<Integer> taken) throws IOException {
    while (true) {
      int port = LocalCluster.freePort();
      if (taken.add(port)) {
        return port;
      }
    }
  }

  private static final Pattern MEMBER = Pattern.compile(
      "\\{\"id\":\"([^\"]+)\",\"role\":\"([^\"]+)\",\"raftAddress\":\"[^\"]*\",\"clientEndpoint\":\"[^\"]*\","
          + "\"state\":\"([^\"]+)\"");

  /**
   * Waits (up to 60 s) until {@code tso4j members --json} through {@code via} shows exactly {@code ids}: one leader,
   * the others followers (no learner), every one of them reachable and the leader serving.
   */
  private void awaitMembers(Set<String> ids, List<String> via) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      StringWriter out = new StringWriter();
      int code = Main.run(new String[] {"members", "--endpoints", String.join(",", via), "--json", "--timeout", "10s"},
          Map.of(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
      last = out.toString();
      if (code == 0 && matches(last, ids)) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("members never showed " + ids + " with one serving leader; last: " + last);
  }

  private static boolean matches(String json, Set<String> ids) {
    Matcher m = MEMBER.matcher(json);
    Set<String> seen = new TreeSet<>();
    int leaders = 0;
    while (m.find()) {
      seen.add(m.group(1));
      if (m.group(2).equals("leader")) {
        leaders++;
        if (!m.group(3).equals("serving")) {
          return false;
        }
      } else if (!m.group(2).equals("follower") || m.group(3).equals("unreachable")) {
        return false;
      }
    }
    return leaders == 1 && seen.equals(new TreeSet<>(ids));
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One step of the scenario. */
  private interface Step {
    void run() throws Exception;
  }

  /** A sequential caller: order check on every answer, failures with their time, reconfiguration windows. */
  private static final class Checker implements Runnable {
    private final List<String> endpoints;
    private final AtomicBoolean stop = new AtomicBoolean();
    final List<long[]> windows = Collections.synchronizedList(new ArrayList<>());
    final List<Long> failures = Collections.synchronizedList(new ArrayList<>());
    private volatile long calls;
    volatile long violations;

    Checker(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    @Override
    public void run() {
      try (TsoClient client = TsoClient.newBuilder().endpoints(endpoints.toArray(new String[0]))
          .callTimeout(Duration.ofSeconds(5)).build()) {
        long previous = -1;
        while (!stop.get()) {
          long started = System.nanoTime();
          try {
            TimestampRange r = client.getTimestamps(1);
            if (violates(previous, r.first().toLong())) {
              violations++;
            }
            previous = r.last().toLong();
            calls++;
          } catch (TsoException e) {
            failures.add(started);
            sleep(20);
          }
          sleep(5);
        }
      }
    }

    long calls() {
      return calls;
    }

    /** Whether an answer starting at {@code first} breaks the order after {@code previous} (a sequential caller). */
    static boolean violates(long previous, long first) {
      return first <= previous;
    }

    void window(Step step) throws Exception {
      long[] w = {System.nanoTime(), Long.MAX_VALUE};
      windows.add(w);
      try {
        step.run();
      } finally {
        w[1] = System.nanoTime() + SETTLE.toNanos();
      }
    }

    List<Long> failuresOutsideWindows() {
      List<Long> out = new ArrayList<>();
      synchronized (failures) {
        for (long f : failures) {
          boolean inside;
          synchronized (windows) {
            inside = windows.stream().anyMatch(w -> f >= w[0] - TimeUnit.SECONDS.toNanos(5) && f <= w[1]);
          }
          if (!inside) {
            out.add(f);
          }
        }
      }
      return out;
    }

    void awaitCalls(long n, Duration max) throws InterruptedException {
      long deadline = System.nanoTime() + max.toNanos();
      while (calls < n) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("only " + calls + " calls succeeded within " + max + " (wanted " + n + ")");
        }
        Thread.sleep(50);
      }
    }

    void stop() {
      stop.set(true);
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
