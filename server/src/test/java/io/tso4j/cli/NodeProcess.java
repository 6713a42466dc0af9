package io.tso4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One {@code tso4j serve} node run as a separate JVM on this test's classpath, with its output in a file. */
final class NodeProcess implements AutoCloseable {
  private final String id;
  private final List<String> args;
  private final Path log;
  private Process process;

  NodeProcess(String id, List<String> serveArgs, Path log) {
    this.id = id;
    this.args = serveArgs;
    this.log = log;
  }

  String id() {
    return id;
  }

  Path log() {
    return log;
  }

  /** Starts (or restarts) the JVM. */
  void start() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.tso4j.cli.Main");
    cmd.add("serve");
    cmd.addAll(args);
    File out = log.toFile();
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out)).start();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM, then waits for the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (isAlive()) {
      kill();
    }
  }
}
