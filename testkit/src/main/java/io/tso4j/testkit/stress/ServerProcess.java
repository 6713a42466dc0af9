package io.tso4j.testkit.stress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.tso4j.testkit.faults.HookedMain;

/**
 * One node run as a separate JVM on this process's classpath: the stock main class and its {@code serve} arguments,
 * wrapped by {@link HookedMain} ({@code java -cp <classpath> io.tso4j.testkit.faults.HookedMain --node-id ID
 * --fault-control-file F -- <main> serve ...}), with its output appended to a log file, optionally behind a launcher
 * prefix ({@code setpriv --regid G --clear-groups --}: the node's own group, which the kernel partitions match on). The wrapper polls the
 * fault-control file (Raft message partitions, slow log writes); the wall clock is shifted from outside the process by
 * libfaketime when it is installed ({@link FakeClock}).
 *
 * <p>Signals: {@link #kill()} is kill -9, {@link #terminate(long)} SIGTERM (graceful handoff), {@link #pause()} /
 * {@link #resume()} SIGSTOP / SIGCONT through {@code kill} on the process id. Not thread-safe: driven by the nemesis
 * thread (and {@link StressCluster#close()} at the end).
 */
public final class ServerProcess {
  private final String id;
  private final String mainClass;
  private final List<String> serveArgs;
  private final Path log;
  private final Path faultFile;
  private final FakeClock clock;
  private final List<String> launcher;
  private List<String> jvmFlags = StressOptions.NodeJvm.HARNESS.flags();
  private NodeCds cds = NodeCds.NONE;
  private boolean useCds;
  private Process process;
  private boolean paused;
  private long startNanos;
  private long startEpochMillis;
  private long logOffset;

  ServerProcess(String id, String mainClass, List<String> serveArgs, Path log, Path faultFile, FakeClock clock,
      List<String> launcher) {
    this.launcher = List.copyOf(launcher);
    this.id = id;
    this.mainClass = mainClass;
    this.serveArgs = serveArgs;
    this.log = log;
    this.faultFile = faultFile;
    this.clock = clock;
  }

  /** The node id. */
  public String id() {
    return id;
  }

  /** The fault-control file this node polls. */
  Path faultFile() {
    return faultFile;
  }

  /**
   * The JVM flags of the next starts (default: {@link StressOptions.NodeJvm#HARNESS}), the class-data sharing set-up
   * and whether {@link #start()} uses it.
   */
  void configureJvm(List<String> flags, NodeCds nodeCds, boolean cdsByDefault) {
    this.jvmFlags = List.copyOf(flags);
    this.cds = nodeCds;
    this.useCds = cdsByDefault && nodeCds.available();
  }

  /** Starts (or restarts) the JVM, with the class-data sharing archive if it is configured as the default. */
  void start() throws IOException {
    start(useCds ? CdsUse.MAP : CdsUse.NONE);
  }

  /** How one start uses class-data sharing. */
  enum CdsUse {
    /** No archive of tso4j's (the JDK's base archive only). */
    NONE,
    /** Map the archive. */
    MAP,
    /** Write the archive when this JVM exits ({@code -XX:ArchiveClassesAtExit}). */
    DUMP
  }

  /** Starts (or restarts) the JVM with {@code use} of the class-data sharing archive. */
  void start(CdsUse use) throws IOException {
    List<String> cmd = new ArrayList<>(launcher);
    boolean map = use == CdsUse.MAP && cds.available();
    if (map) {
      cmd.addAll(cds.launcherPrefix());
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    if (map) {
      cmd.addAll(cds.mapFlags());
    } else if (use == CdsUse.DUMP) {
      cmd.addAll(cds.dumpFlags());
    }
    cmd.add("-cp");
    cmd.add(map ? cds.classPath() : System.getProperty("java.class.path"));
    cmd.add(HookedMain.class.getName());
    cmd.addAll(List.of("--node-id", id, "--fault-control-file", faultFile.toString(), "--", mainClass, "serve"));
    cmd.addAll(serveArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    clock.applyTo(pb.environment());
    logOffset = java.nio.file.Files.exists(log) ? java.nio.file.Files.size(log) : 0;
    startEpochMillis = System.currentTimeMillis();
    startNanos = System.nanoTime();
    process = pb.start();
    clock.started();
    paused = false;
  }

  /** Whether the JVM runs (a paused one counts as running). */
  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Whether it is stopped by SIGSTOP. */
  boolean isPaused() {
    return paused && isAlive();
  }

  /** kill -9, and waits for the exit. */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    paused = false;
  }

  /** SIGTERM, then waits up to {@code millis} for the exit; returns the exit code, or -1 (then kill -9). */
  public int terminate(long millis) throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return process == null ? -1 : process.exitValue();
    }
    if (paused) {
      try {
        resume();
      } catch (IOException e) {
        kill();
        return -1;
      }
    }
    process.destroy();
    if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
      kill();
      return -1;
    }
    return process.exitValue();
  }

  /** SIGSTOP. */
  void pause() throws IOException, InterruptedException {
    if (isAlive()) {
      signal("-STOP");
      paused = true;
    }
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    if (isAlive()) {
      signal("-CONT");
    }
    paused = false;
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", sig, Long.toString(process.pid())).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(5, TimeUnit.SECONDS);
  }

  /** Replaces the content of the fault-control file (atomically, by rename). */
  void writeFaults(String content) throws IOException {
    FakeClock.replace(faultFile, content);
  }

  /** The process id (-1 if never started). */
  long pid() {
    return process == null ? -1 : process.pid();
  }

  /** {@link System#nanoTime()} just before the last start's exec. */
  long startNanos() {
    return startNanos;
  }

  /** The wall clock just before the last start's exec, in epoch milliseconds (to place the node's log lines). */
  long startEpochMillis() {
    return startEpochMillis;
  }

  /** The length of the log file before the last start: its lines begin there. */
  long logOffset() {
    return logOffset;
  }

  /** When the OS says the current process started (clock-tick resolution), if it can tell. */
  java.util.Optional<java.time.Instant> processStart() {
    return process == null ? java.util.Optional.empty() : process.info().startInstant();
  }

  /**
   * The CPU time (user + system) the current process has used so far, from {@code /proc/PID/stat} (Linux; clock
   * ticks of 10 ms), or -1 if it cannot be read.
   */
  long cpuMillis() {
    if (process == null) {
      return -1;
    }
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The node's log file. */
  Path log() {
    return log;
  }

  /** The libfaketime control of this node's wall clock. */
  FakeClock clock() {
    return clock;
  }
}
