package io.tso4j.cli;

import io.tso4j.server.core.AdjustableClock;
import io.tso4j.server.ratis.RaftFaultInjection;
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
 * The hidden, test-only fault-control input of {@code tso4j serve --fault-control-file PATH}: the file is read every
 * {@value #POLL_MILLIS} ms and its whole content is the fault state of this node (a missing key or file means no
 * fault). Lines are {@code key=value}; {@code #} starts a comment.
 *
 * <ul>
 *   <li>{@code isolate=n2,n3}: these peers are cut off from every other peer (Raft traffic only; clients still reach
 *       every node). Write the same line to every node's file for a partition.</li>
 *   <li>{@code clock-offset-ms=500}: this node's wall clock is shifted by that much (a change is a jump).</li>
 *   <li>{@code disk-delay-ms=200} (alias {@code apply-delay-ms}): every log write of this node takes that much
 *       longer.</li>
 * </ul>
 *
 * <p>Used by the {@code tso4j stress} nemesis; never set in production. One daemon thread; each change is logged once.
 */
final class FaultControlFile implements AutoCloseable {
  static final long POLL_MILLIS = 50;
  private static final Logger LOG = LoggerFactory.getLogger(FaultControlFile.class);

  private final String nodeId;
  private final Path file;
  private final AdjustableClock clock;
  private final Thread thread;
  private volatile boolean closed;
  private String lastContent = "";

  FaultControlFile(String nodeId, Path file, AdjustableClock clock) {
    this.nodeId = nodeId;
    this.file = file;
    this.clock = clock;
    this.thread = new Thread(this::run, "tso4j-fault-control-" + nodeId);
    this.thread.setDaemon(true);
  }

  /** Starts polling. */
  FaultControlFile start() {
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
  void poll() {
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
    long offset = 0;
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
          case "clock-offset-ms":
            offset = Long.parseLong(value);
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
    clock.setOffsetMillis(offset);
    RaftFaultInjection.setDiskDelayMillis(nodeId, diskDelay);
    LOG.info("[{}] faults now: isolate={} clock-offset-ms={} disk-delay-ms={}", nodeId,
        isolated.stream().collect(Collectors.joining(",")), offset, diskDelay);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
