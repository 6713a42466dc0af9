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
 * 3-node cluster on loopback (free ports, a temporary directory) and asking it for timestamps through {@code get}.
 * The JVM writes the archive when this exits. Not a subcommand: the launcher runs it in its dump mode only.
 */
public final class CdsTraining {
  private CdsTraining() {
  }

  /** Runs the training; exits 0, or 1 if the cluster did not serve (the archive is then still written). */
  public static void main(String[] args) throws Exception {
    StringWriter sink = new StringWriter();
    PrintWriter out = new PrintWriter(sink, true);
    Main.run(new String[] {"--version"}, Map.of(), out, out);
    for (String command : new String[] {"serve", "local-cluster", "get"}) {
      Main.run(new String[] {command, "--help"}, Map.of(), out, out);
    }
    Path dir = Files.createTempDirectory("tso4j-cds-training");
    int code = ExitCodes.FAILED;
    try (LocalCluster cluster = LocalCluster.ratis(3, dir, RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MIN,
        RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MAX, FenceConfig.defaults())) {
      if (cluster.awaitServing(Duration.ofSeconds(60))) {
        code = Main.run(new String[] {"get", "--endpoints", String.join(",", cluster.endpoints()), "--count", "3",
            "--timeout", "10s"}, Map.of(), out, out);
        Main.run(new String[] {"get", "--json", "--endpoints", String.join(",", cluster.endpoints())}, Map.of(), out,
            out);
      }
    } finally {
      delete(dir);
    }
    if (code != ExitCodes.OK) {
      System.err.println("tso4j cds training: the cluster did not serve: " + sink);
    }
    System.exit(code);
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
