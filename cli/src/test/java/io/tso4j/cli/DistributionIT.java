package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator gets it: unpacked into a temporary directory and run with a PATH that has
 * {@code java} and a few shell tools but no {@code mvn}, from another working directory.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
final class DistributionIT {
  /** The shell tools the launcher uses (and tar, gzip to unpack); nothing else is on the PATH of the commands here. */
  private static final List<String> TOOLS = List.of("bash", "dirname", "readlink", "stat", "sed", "head", "rm", "mv", "tar",
      "gzip");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  private static Path home;
  private static Path path;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball;
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      tarball = s.filter(p -> p.getFileName().toString().matches("tso4j-.*\\.tar\\.gz")).findFirst()
          .orElseThrow(() -> new AssertionError("no target/tso4j-*.tar.gz: the package phase builds it "
              + "(unless -Dtso4j.dist.skip=true)"));
    }
    path = Files.createDirectories(dir.resolve("path"));
    Files.createSymbolicLink(path.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
    for (String tool : TOOLS) {
      Files.createSymbolicLink(path.resolve(tool), which(tool));
    }
    Path opt = Files.createDirectories(dir.resolve("opt"));
    Result untar = run(opt, List.of("tar", "-xzf", tarball.toAbsolutePath().toString()), Map.of(), 60);
    assertThat(untar.code).as(untar.output).isZero();
    try (Stream<Path> s = Files.list(opt)) {
      home = s.findFirst().orElseThrow();
    }
  }

  @Test
  void theArchiveHasTheReleaseLayout() throws IOException {
    for (String f : new String[] {"bin/tso4j", "bin/tso4j-cds", "lib/tso4j-cli.jar", "lib/classpath",
        "lib/tso4j.jsa", "lib/tso4j.jsa.stamp", "conf/tso4j.properties", "systemd/tso4j.service", "LICENSE", "NOTICE", "INSTALL.md"}) {
      assertThat(home.resolve(f)).as(f).isRegularFile();
    }
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/tso4j"))).contains(PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.OTHERS_EXECUTE);
    assertThat(Files.readString(home.resolve("conf/tso4j.properties"))).isEqualTo(ConfigTemplate.render());
    String unit = Files.readString(home.resolve("systemd/tso4j.service"));
    assertThat(unit).contains("User=tso4j", "StateDirectory=tso4j", "Restart=on-failure", "LimitNOFILE=",
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ExecStart=/opt/tso4j/bin/tso4j serve");
    try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString())).contains("ratis-server-3.3.0.jar", "picocli-4.7.7.jar")
          .noneMatch(n -> n.contains("junit") || n.contains("assertj"));
    }
  }

  @Test
  void theZipHasTheSameFiles() throws IOException {
    Path zip;
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      zip = s.filter(p -> p.getFileName().toString().matches("tso4j-.*\\.zip")).findFirst().orElseThrow();
    }
    List<String> inZip = new ArrayList<>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        if (!e.isDirectory()) {
          inZip.add(e.getName().substring(e.getName().indexOf('/') + 1));
        }
      }
    }
    List<String> inTar = new ArrayList<>();
    try (Stream<Path> s = Files.walk(home)) {
      s.filter(Files::isRegularFile).forEach(p -> inTar.add(home.relativize(p).toString()));
    }
    assertThat(inZip).containsExactlyInAnyOrderElementsOf(inTar);
  }

  @Test
  void theLauncherNeedsNoMaven() throws Exception {
    Result mvn = run(dir, List.of("bash", "-c", "command -v mvn || echo no-mvn"), Map.of(), 30);
    assertThat(mvn.output.trim()).isEqualTo("no-mvn");
    Result version = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"), Map.of(), 60);
    assertThat(version.code).as(version.output).isZero();
    assertThat(version.output.trim()).matches("tso4j \\S+ \\(commit ([0-9a-f]{7,40}|unknown)\\)");
  }

  /** The launcher's line for an archive that does not fit the JDK or the jars. */
  private static final String STALE = "tso4j: lib/tso4j.jsa was written for another java or other jars";

  @Test
  void theClassDataSharingArchiveIsUsedAfterUnpackingElsewhere() throws Exception {
    String mainFromArchive = "io.tso4j.cli.Main source: shared objects file (top)";
    Map<String, String> logLoads = Map.of("TSO4J_JAVA_OPTS", "-Xmx256m -Xlog:class+load=info");
    Result used = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"), logLoads, 60);
    assertThat(used.code).as(used.output).isZero();
    assertThat(used.output).contains(mainFromArchive);
    Result off = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"),
        Map.of("TSO4J_JAVA_OPTS", "-Xmx256m -Xlog:class+load=info", "TSO4J_CDS", "off"), 60);
    assertThat(off.output).as("positive control: TSO4J_CDS=off").contains("io.tso4j.cli.Main source: file:")
        .doesNotContain(mainFromArchive);
    assertThat(used.output).doesNotContain(STALE);
    // A changed jar makes the archive stale: the launcher says so in one line and starts without it (the JVM itself
    // would skip it without a word), and bin/tso4j-cds writes a new one.
    Files.setLastModifiedTime(home.resolve("lib/tso4j-cli.jar"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L));
    Result stale = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"), logLoads, 60);
    assertThat(stale.code).as(stale.output).isZero();
    assertThat(stale.output).doesNotContain(mainFromArchive).containsOnlyOnce(STALE)
        .contains("run " + home.toRealPath() + "/bin/tso4j-cds");
    Result quiet = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"), Map.of("TSO4J_CDS", "off"),
        60);
    assertThat(quiet.output).as("TSO4J_CDS=off: no line").doesNotContain(STALE);
    Result cds = run(dir, List.of(home.resolve("bin/tso4j-cds").toString()), Map.of(
        "TSO4J_LOG_LEVEL", "ERROR", "TSO4J_RATIS_LOG_LEVEL", "ERROR"), 120);
    assertThat(cds.code).as("bin/tso4j-cds rewrites the archive: " + cds.output).isZero();
    Result again = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"), logLoads, 60);
    assertThat(again.output).as("the archive bin/tso4j-cds wrote is used").contains(mainFromArchive)
        .doesNotContain(STALE);
  }

  @Test
  void theZipUnpackedByJavaEitherUsesItsArchiveOrSaysWhyNot() throws Exception {
    // The zip keeps file times in local time to 2 s only (DOS time), so its jars' times often differ from those the
    // archive was written for: never a silently slow start.
    Path zip;
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      zip = s.filter(p -> p.getFileName().toString().matches("tso4j-.*\\.zip")).findFirst().orElseThrow();
    }
    Path to = Files.createDirectories(dir.resolve("from-zip"));
    try (ZipFile z = new ZipFile(zip.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        Path out = to.resolve(e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(out);
          continue;
        }
        Files.createDirectories(out.getParent());
        try (var in = z.getInputStream(e)) {
          Files.copy(in, out);
        }
        Files.setLastModifiedTime(out, e.getLastModifiedTime()); // as unzip does
      }
    }
    Path zipHome;
    try (Stream<Path> s = Files.list(to)) {
      zipHome = s.findFirst().orElseThrow();
    }
    Result r = run(dir, List.of("bash", zipHome.resolve("bin/tso4j").toString(), "--version"),
        Map.of("TSO4J_JAVA_OPTS", "-Xmx256m -Xlog:class+load=info"), 60);
    assertThat(r.code).as(r.output).isZero();
    boolean mapped = r.output.contains("io.tso4j.cli.Main source: shared objects file (top)");
    assertThat(mapped ^ r.output.contains(STALE)).as("the archive is used, or the launcher says why not: " + r.output)
        .isTrue();
  }

  @Test
  void anOldJavaIsRefusedWithAClearMessage() throws Exception {
    Path jdk = Files.createDirectories(dir.resolve("old-jdk/bin"));
    Path fake = jdk.resolve("java");
    Files.writeString(fake, "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
    Files.setPosixFilePermissions(fake, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.OWNER_WRITE));
    Result viaVersion = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"),
        Map.of("TSO4J_JAVA", fake.toString()), 30);
    assertThat(viaVersion.code).isEqualTo(ExitCodes.STARTUP);
    assertThat(viaVersion.output).contains("is Java 11; tso4j needs Java 17 or newer");
    Files.writeString(dir.resolve("old-jdk/release"), "JAVA_VERSION=\"1.8.0_402\"\n");
    Result viaRelease = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"),
        Map.of("TSO4J_JAVA", fake.toString()), 30);
    assertThat(viaRelease.output).contains("is Java 8; tso4j needs Java 17 or newer");
    Result none = run(dir, List.of(home.resolve("bin/tso4j").toString(), "--version"),
        Map.of("TSO4J_JAVA", "no-such-java"), 30);
    assertThat(none.code).isEqualTo(ExitCodes.STARTUP);
    assertThat(none.output).contains("no java found");
  }

  @Test
  void unknownConfigKeyIsExitTwoWithASuggestion() throws Exception {
    Path conf = dir.resolve("bad.properties");
    Files.writeString(conf, "windw=5s\n");
    Result r = run(dir, List.of(home.resolve("bin/tso4j").toString(), "serve", "--config", conf.toString(), "--id",
        "n1", "--peers", "n1=127.0.0.1:7101"), Map.of(), 60);
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.output.trim()).isEqualTo("tso4j: unknown key 'windw' in " + conf + "; did you mean 'window'?");
  }

  @Test
  void localClusterServesGetAndStopsOnItsOwn() throws Exception {
    int base = ThreadLocalRandom.current().nextInt(30_000, 40_000);
    Path logs = dir.resolve("logs");
    String endpoints = base + "," + (base + 1) + "," + (base + 2);
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/tso4j").toString(), "local-cluster", "--nodes", "3",
        "--base-port", Integer.toString(base), "--data-dir", "cluster-data", "--log-dir", logs.toString(),
        "--run-for", "20s", "--metrics-port", "0").directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("PATH", path.toString());
    Process cluster = pb.start();
    StringBuilder out = new StringBuilder();
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(cluster.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (out) {
            out.append(line).append('\n');
          }
          if (line.startsWith("client endpoints:")) {
            ready.complete(true);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.complete(false);
    });
    reader.start();
    try {
      assertThat(ready.get(90, TimeUnit.SECONDS)).as("local-cluster started: %s", out).isTrue();
      String eps = "127.0.0.1:" + endpoints.replace(",", ",127.0.0.1:");
      Result get = run(dir, List.of(home.resolve("bin/tso4j").toString(), "get", "--endpoints", eps, "--count", "5",
          "--timeout", "10s"), Map.of(), 60);
      assertThat(get.code).as(get.output).isZero();
      assertThat(get.output).contains("5 timestamps, term");
      assertThat(cluster.waitFor(60, TimeUnit.SECONDS)).as("--run-for 20s ends the cluster").isTrue();
      assertThat(cluster.exitValue()).as(out.toString()).isZero();
      reader.join(5_000);
      assertThat(out.toString()).contains("stopping the local cluster");
      assertThat(dir.resolve("cluster-data/n1")).isDirectory();
      // The daemon's logging set-up (DaemonLogging, no XML) in the --log-dir file.
      assertThat(Files.readAllLines(logs.resolve("tso4j-local-cluster.log")))
          .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  \\[[^\\]]+\\] RatisDriver - \\[n1\\] Ratis driver started.*"))
          .noneMatch(l -> l.contains("DEBUG"));
    } finally {
      cluster.destroyForcibly();
    }
  }

  private record Result(int code, String output) {
  }

  private static Result run(Path cwd, List<String> command, Map<String, String> env, int seconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("TSO4J_") || k.equals("JAVA_HOME"));
    pb.environment().put("PATH", path.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return e.toString();
      }
    });
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + seconds + " s");
    }
    return new Result(p.exitValue(), output.join());
  }

  private static Path which(String tool) {
    for (String d : System.getenv("PATH").split(":")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new AssertionError(tool + " is not on the PATH");
  }
}
