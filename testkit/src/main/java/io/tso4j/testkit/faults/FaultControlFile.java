package io.tso4j.testkit.faults;

import io.tso4j.testkit.faults.RaftFaultInjection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault-control input of a node started through {@link HookedMain}: the file is read every {@value #POLL_MILLIS}
 * ms and its whole content is the fault state of this process (a missing key or file means no fault). Lines are
 * {@code key=value}; {@code #} starts a comment.
 *
 * <ul>
 *   <li>{@code isolate=n2,n3}: these peers are cut off from every other peer (Raft traffic only; clients still reach
 *       every node). Write the same line to every node's file for a partition.</li>
 * <li>{@code disk-delay-ms=200} (alias {@code apply-delay-ms}): every log write of this node takes that much
 *       longer.</li>
 * </ul>
 *
 * <p>Used by the {@code tso4j stress} nemesis; a stock {@code tso4j serve} has no way to enable it. Clock faults are
 * not emulated here: the nemesis runs a node under libfaketime instead. One daemon thread; each change is logged once.
 */
public final class FaultControlFile implements AutoCloseable {
  static final long POLL_MILLIS = 50;
  private static final Logger LOG = LoggerFactory.getLogger(FaultControlFile.class);

  private final String nodeId;
  private final Path file;
  private final Thread thread;
  private volatile boolean closed;
  private String lastContent = "";

  /** A poller of {@code file} for the Raft peer {@code nodeId} of this process (not started). */
  public FaultControlFile(String nodeId, Path file) {
    this.nodeId = nodeId;
    this.file = file;
    this.thread = new Thread(this::run, "tso4j-fault-control-" + nodeId);
    this.thread.setDaemon(true);
  }

  /** Starts polling. */
  public FaultControlFile start() {
    LOG.warn("[{}] fault injection enabled through {} (test use only)", nodeId, file);
    thread.start();
    return this;
  }

  private void run() {
    while (!closed) {
      poll();
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Reads the file once and applies it if it changed. */
  public void poll() {
    String content;
    try {
      content = Files.readString(file);
    } catch (NoSuchFileException e) {
      content = "";
    } catch (IOException e) {
      return;
    }
    if (content.equals(lastContent)) {
      return;
    }
    lastContent = content;
    apply(content);
  }

  private void apply(String content) {
    Set<String> isolated = new LinkedHashSet<>();
    long diskDelay = 0;
    for (String raw : content.split("\\R")) {
      String line = raw.strip();
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      try {
        switch (key) {
          case "isolate":
            Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty()).forEach(isolated::add);
            break;
          case "disk-delay-ms":
          case "apply-delay-ms":
            diskDelay = Long.parseLong(value);
            break;
          default:
            LOG.warn("[{}] unknown fault-control key {}", nodeId, key);
        }
      } catch (NumberFormatException e) {
        LOG.warn("[{}] bad fault-control value {}={}", nodeId, key, value);
      }
    }
    RaftFaultInjection.setIsolated(isolated);
    RaftFaultInjection.setDiskDelayMillis(nodeId, diskDelay);
    LOG.info("[{}] faults now: isolate={} disk-delay-ms={}", nodeId,
        isolated.stream().collect(Collectors.joining(",")), diskDelay);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
