package io.tso4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One {@code tso4j serve} node in its own JVM on this test's class path, output appended to a file. */
final class ServeProcess implements AutoCloseable {
  private final String id;
  private final List<String> args;
  private final Path log;
  private Process process;

  ServeProcess(String id, List<String> serveArgs, Path log) {
    this.id = id;
    this.args = serveArgs;
    this.log = log;
  }

  String id() {
    return id;
  }

  void start() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.tso4j.cli.Main", "serve"));
    cmd.addAll(args);
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** kill -9, waiting up to 10 s for the process to go. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
