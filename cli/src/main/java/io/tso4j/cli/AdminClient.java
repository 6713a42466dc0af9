package io.tso4j.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tso4j.proto.WireKeys;
import io.tso4j.proto.v1.AdminGrpc;
import io.tso4j.proto.v1.LeaderHint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls the tso4j.v1 Admin service for the CLI: reads on the first node that answers, writes on the leader
 * (following the leader hint a follower answers with, and trying the other endpoints while no leader is known), all
 * within one overall timeout. Every failure becomes a {@link CliException} with one line and an exit code:
 * INVALID_ARGUMENT → {@link ExitCodes#USAGE}, anything else → {@link ExitCodes#FAILED}. Not thread-safe; one per
 * command.
 */
final class AdminClient implements AutoCloseable {
  private static final long PAUSE_MILLIS = 200;
  /** Leader hints followed at once in a row; then a pause (two nodes with stale hints must not spin). */
  private static final int MAX_HOPS_WITHOUT_PAUSE = 3;

  private final List<String> endpoints;
  private final Function<String, ManagedChannel> channels;
  private final Map<String, ManagedChannel> open = new LinkedHashMap<>();
  private final long deadline;
  private final Duration timeout;

  AdminClient(List<String> endpoints, Function<String, ManagedChannel> channels, Duration timeout) {
    this.endpoints = List.copyOf(endpoints);
    this.channels = channels;
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /** The stub of {@code endpoint} with the time left as its deadline (at most {@code cap}). */
  AdminGrpc.AdminBlockingStub stub(String endpoint, Duration cap) {
    ManagedChannel ch = open.computeIfAbsent(endpoint, channels);
    long left = Math.max(1, Math.min(cap.toNanos(), deadline - System.nanoTime()));
    return AdminGrpc.newBlockingStub(ch).withDeadlineAfter(left, TimeUnit.NANOSECONDS);
  }

  /** Calls {@code call} on the first endpoint that answers. */
  <T> T onAny(String what, Function<AdminGrpc.AdminBlockingStub, T> call) {
    StatusRuntimeException last = null;
    for (String e : endpoints) {
      try {
        return call.apply(stub(e, Duration.ofSeconds(5)));
      } catch (StatusRuntimeException ex) {
        if (ex.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
          throw fail(what, e, ex);
        }
        last = ex;
      }
    }
    throw fail(what, String.join(",", endpoints), last);
  }

  /** Calls {@code call} on the leader, following hints; retries while no leader is known, until the timeout. */
  <T> T onLeader(String what, Function<AdminGrpc.AdminBlockingStub, T> call) {
    List<String> queue = new ArrayList<>(endpoints);
    int next = 0;
    int hops = 0;
    String at = queue.get(0);
    StatusRuntimeException last = null;
    while (true) {
      try {
        return call.apply(stub(at, timeout));
      } catch (StatusRuntimeException ex) {
        last = ex;
        if (ex.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw fail(what, at, ex);
        }
      }
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS) > deadline) {
        throw fail(what, String.join(",", queue), last);
      }
      LeaderHint hint = last.getTrailers() == null ? null : last.getTrailers().get(WireKeys.LEADER_HINT);
      if (hint != null && !hint.getEndpoint().isEmpty() && !hint.getEndpoint().equals(at)) {
        at = hint.getEndpoint();
        if (!queue.contains(at)) {
          queue.add(at);
        }
        if (++hops <= MAX_HOPS_WITHOUT_PAUSE) {
          continue;
        }
      } else {
        next = (next + 1) % queue.size();
        at = queue.get(next);
      }
      hops = 0;
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  private static CliException fail(String what, String where, StatusRuntimeException e) {
    if (e == null) {
      return new CliException(ExitCodes.FAILED, what + " failed: no endpoint answered (" + where + ")");
    }
    Status s = e.getStatus();
    String reason = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    if (s.getCode() == Status.Code.UNAVAILABLE && s.getDescription() != null
        && s.getDescription().startsWith("io exception")) {
      reason = "UNAVAILABLE: cannot connect";
    }
    int code = s.getCode() == Status.Code.INVALID_ARGUMENT ? ExitCodes.USAGE : ExitCodes.FAILED;
    return new CliException(code, what + " failed at " + where + ": " + reason, e);
  }

  @Override
  public void close() {
    for (ManagedChannel ch : open.values()) {
      ch.shutdownNow();
    }
  }
}
