package io.tso4j.testkit.stress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short external command (nft, mount, umount) with a bounded wait and returns its exit code and output. Used
 * by the nemesis' kernel faults only; never by a node. Stateless.
 */
final class Commands {
  private static final long TIMEOUT_SECONDS = 10;

  /** The exit code and the merged stdout/stderr of a command. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }

    /** The first line of the output, for a one-line reason. */
    String firstLine() {
      String s = output.strip();
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }
  }

  private Commands() {
  }

  /** Runs {@code cmd}, writing {@code stdin} (may be null) to it; exit code 127 if it cannot be started. */
  static Result run(List<String> cmd, String stdin) {
    Path out;
    try {
      out = Files.createTempFile("tso4j-nemesis-cmd", ".out");
    } catch (IOException e) {
      return new Result(1, "cannot create a temporary file: " + e.getMessage());
    }
    try {
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      } catch (IOException e) {
        return new Result(127, cmd.get(0) + ": " + e.getMessage());
      }
      try {
        if (stdin != null) {
          p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Result(124, String.join(" ", cmd) + ": timed out after " + TIMEOUT_SECONDS + " s");
        }
        return new Result(p.exitValue(), Files.readString(out));
      } catch (IOException e) {
        p.destroyForcibly();
        return new Result(1, String.join(" ", cmd) + ": " + e.getMessage());
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        return new Result(130, String.join(" ", cmd) + ": interrupted");
      }
    } finally {
      try {
        Files.deleteIfExists(out);
      } catch (IOException e) {
        // a temporary file; the OS cleans up
      }
    }
  }

  /** Whether this process runs as root (uid 0), read from /proc. */
  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
