package io.tso4j.testkit.stress;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The class-data sharing (AppCDS) archive that node JVMs of a stress run map, as the release launcher does
 * ({@code bin/tso4j} of the archive, docs/operations.md "Start-up time").
 *
 * <p>Two sources. If this process runs from the release archive (the launcher sets {@code tso4j.home}, and its
 * {@code lib/tso4j.jsa} exists and the class path is that {@code lib/}'s jars), the nodes map the distribution's own
 * archive, with the launcher's trick: the archive names every jar {@code /proc/self/fd/9/<jar>}, so each node is
 * started through {@code bash -c 'exec 9<LIB; exec java ...'} with the class path spelled that way. Otherwise (a source
 * checkout's {@code bin/tso4j}), an archive is written once for this run's class path: one node runs with
 * {@code -XX:ArchiveClassesAtExit} until it has started and followed the leader, and is stopped (SIGTERM: the JVM
 * writes the archive on its way out); later starts map it with {@code -XX:SharedArchiveFile}. A class path with
 * directories (a Maven test run) cannot be archived: then there is no archive, and the report says why.
 *
 * <p>Immutable once built; the run archive becomes {@link #available()} when its file exists.
 */
final class NodeCds {
  /** No archive at all. */
  static final NodeCds NONE = new NodeCds(Source.NONE, null, null, "class-data sharing off");

  /** Where the archive comes from. */
  enum Source {
    /** None. */
    NONE,
    /** The release archive's {@code lib/tso4j.jsa} (its training run at package time). */
    DISTRIBUTION,
    /** Written once for this run, by a node's first start ({@code -XX:ArchiveClassesAtExit}). */
    RUN
  }

  private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

  private final Source source;
  private final Path archive;
  private final Path lib;
  private final String why;

  private NodeCds(Source source, Path archive, Path lib, String why) {
    this.source = source;
    this.archive = archive;
    this.lib = lib;
    this.why = why;
  }

  /**
   * The archive for this process's class path: the distribution's if it runs from one, else one to be written under
   * {@code dir}; {@link #NONE} (with the reason in {@link #describe()}) if the class path cannot be archived.
   */
  static NodeCds forThisProcess(Path dir) {
    String cp = System.getProperty("java.class.path", "");
    String home = System.getProperty("tso4j.home");
    if (home != null && Files.isDirectory(Path.of("/proc/self/fd"))) {
      Path libDir = Path.of(home, "lib").toAbsolutePath().normalize();
      Path jsa = libDir.resolve("tso4j.jsa");
      boolean allInLib = !cp.isEmpty();
      for (String e : cp.split(File.pathSeparator)) {
        allInLib &= e.startsWith(libDir + "/");
      }
      if (Files.isReadable(jsa) && allInLib) {
        return new NodeCds(Source.DISTRIBUTION, jsa, libDir, "the distribution's " + jsa);
      }
    }
    for (String e : cp.split(File.pathSeparator)) {
      if (e.isEmpty() || Files.isDirectory(Path.of(e))) {
        return new NodeCds(Source.NONE, null, null, "no class-data sharing: the class path has a directory (" + e
            + "); an archive needs jars (run bin/tso4j, not a build tree)");
      }
    }
    return new NodeCds(Source.RUN, dir.resolve("nodes.jsa").toAbsolutePath(), null,
        "an archive written for this run (" + dir.resolve("nodes.jsa") + ")");
  }

  /** Where the archive comes from. */
  Source source() {
    return source;
  }

  /** The archive file (null for {@link Source#NONE}). */
  Path archive() {
    return archive;
  }

  /** Whether a start can map the archive now (it exists). */
  boolean available() {
    return source != Source.NONE && Files.isReadable(archive);
  }

  /** Whether this run still has to write its archive. */
  boolean needsDump() {
    return source == Source.RUN && !Files.isReadable(archive);
  }

  /** What is used, or why nothing is. */
  String describe() {
    return why;
  }

  /** The commands before {@code java} (bash opening fd 9 on the distribution's lib/), or none. */
  List<String> launcherPrefix() {
    return source == Source.DISTRIBUTION
        ? List.of("bash", "-c", "exec 9<\"$0\" && exec \"$@\"", lib.toString()) : List.of();
  }

  /** The flags that map the archive, as the release launcher gives them. */
  List<String> mapFlags() {
    List<String> f = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto"));
    f.addAll(QUIET);
    return f;
  }

  /** The flags that write the archive when the JVM exits. */
  List<String> dumpFlags() {
    if (source != Source.RUN) {
      return List.of();
    }
    List<String> f = new ArrayList<>(List.of("-XX:ArchiveClassesAtExit=" + archive));
    f.addAll(QUIET);
    return f;
  }

  /** The class path a mapping start uses (the distribution's jars as /proc/self/fd/9/JAR). */
  String classPath() {
    String cp = System.getProperty("java.class.path");
    return source == Source.DISTRIBUTION ? cp.replace(lib + "/", "/proc/self/fd/9/") : cp;
  }

  /**
   * Checks that a JVM started as the nodes are maps the archive: loads the node's entry class with class-load logging
   * and looks for it coming from the archive's "top" layer (the dynamic archive). Returns the problem, if any.
   */
  Optional<String> verify(List<String> jvmFlags, String entryClass) {
    if (!available()) {
      return Optional.of("no archive at " + archive);
    }
    List<String> cmd = new ArrayList<>(launcherPrefix());
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:class+load=info", "-cp",
        classPath(), entryClass, "--version"));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        if (line.contains(" " + entryClass + " source: shared objects file")) {
          return Optional.empty();
        }
      }
      return Optional.of("the JVM did not load " + entryClass + " from " + archive);
    } catch (IOException e) {
      return Optional.of("cannot run the check: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }
}
