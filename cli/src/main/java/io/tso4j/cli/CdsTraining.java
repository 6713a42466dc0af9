package io.tso4j.cli;

import io.tso4j.core.FenceConfig;
import io.tso4j.ratis.RatisDriverConfig;
import io.tso4j.server.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;

/**
 * The training run behind the class-data sharing archive ({@code bin/tso4j-cds}, and the build): loads the classes
 * that {@code serve}, {@code local-cluster} and {@code get} need at start-up, by parsing their options, starting a
 * 1-node and a 3-node cluster on loopback (free ports, a temporary directory) and asking them for timestamps through
 * {@code get}.
 * The JVM writes the archive when this exits. Not a subcommand: the launcher runs it in its dump mode only.
 */
public final class CdsTraining {
  private CdsTraining() {
  }

  /** Runs the training and exits 0 (a step that could not finish in time only leaves its classes out). */
  public static void main(String[] args) throws Exception {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger(); // as Main does: JUL (gRPC) into the log
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    StringWriter sink = new StringWriter();
    PrintWriter out = new PrintWriter(sink, true);
    Main.run(new String[] {"--version"}, Map.of(), out, out);
    for (String command : new String[] {"serve", "local-cluster", "get"}) {
      Main.run(new String[] {command, "--help"}, Map.of(), out, out);
    }
    Path dir = Files.createTempDirectory("tso4j-cds-training");
    try {
      // One node first: it leads at once, whatever the load, so the leader's and the client's paths are always
      // loaded. Then three, for the follower and peer-connection paths; on a very busy machine they may not elect
      // in time, and the archive then lacks only those classes (never a reason to fail the build).
      train(dir.resolve("one"), 1, out);
      if (!train(dir.resolve("three"), 3, out)) {
        System.err.println("tso4j cds training: the 3-node cluster did not serve in time; the archive is written "
            + "without the classes of its later steps");
      }
    } finally {
      delete(dir);
    }
    System.exit(ExitCodes.OK);
  }

  /** Starts {@code nodes} nodes, waits for one to serve and asks for timestamps; returns whether all that worked. */
  private static boolean train(Path dir, int nodes, PrintWriter out) throws Exception {
    // With the metrics of local-cluster (on by default there): their classes go into the archive too.
    try (DaemonMetrics metrics = new DaemonMetrics();
        LocalCluster cluster = LocalCluster.ratis(nodes, dir, RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MIN,
            RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MAX, FenceConfig.defaults())) {
      cluster.nodes().forEach(metrics::bind);
      if (!cluster.awaitServing(Duration.ofSeconds(60))) {
        return false;
      }
      metrics.serve("127.0.0.1", 0);
      metrics.registry().scrape();
      String endpoints = String.join(",", cluster.endpoints());
      int code = Main.run(new String[] {"get", "--endpoints", endpoints, "--count", "3", "--timeout", "10s"},
          Map.of(), out, out);
      Main.run(new String[] {"get", "--json", "--endpoints", endpoints, "--timeout", "10s"}, Map.of(), out, out);
      return code == ExitCodes.OK;
    }
  }

  private static void delete(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
