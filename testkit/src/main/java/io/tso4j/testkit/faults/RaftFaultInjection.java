package io.tso4j.testkit.faults;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * Fault injection for tests and the {@code tso4j stress} nemesis only: network partitions and a slow disk for the
 * Ratis servers in this JVM, through Ratis's own {@link CodeInjectionForTesting} hooks in {@code RaftServerImpl}.
 * Off by default: nothing is hooked until the first fault is set, and a hook with no fault set returns at once.
 *
 * <ul>
 *   <li><b>Isolation</b>: while a peer id is isolated, every Raft request it sends (append entries, votes, snapshots,
 *       election starts) and every such request it receives stalls in the receiving server (up to 30 s), like a
 *       black-holed link; healing releases them. A partition between processes needs the same isolated set in every
 *       process (the stress tool writes it to every node's fault-control file).</li>
 *   <li><b>Slow disk</b>: a delay added, for a given local peer id, before the leader appends a client write to its
 *       log and before a follower acknowledges appended entries (Ratis's log-sync hook).</li>
 * </ul>
 *
 * <p>The hook table is global in a JVM, so tests that use this run in their own fork or use peer ids unique to them.
 * Thread-safe.
 */
public final class RaftFaultInjection {
  private static final String[] NETWORK_HOOKS =
      {"REQUEST_VOTE", "APPEND_ENTRIES", "INSTALL_SNAPSHOT", "START_LEADER_ELECTION"};
  private static final String[] DISK_HOOKS = {"APPEND_TRANSACTION", "LOG_SYNC"};
  private static final long MAX_STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final Set<String> ISOLATED = ConcurrentHashMap.newKeySet();
  private static final Map<String, Long> DISK_DELAY_MILLIS = new ConcurrentHashMap<>();
  private static boolean installed;

  private RaftFaultInjection() {
  }

  /** Cuts {@code peerId} off from every other peer. */
  public static void isolate(String peerId) {
    install();
    ISOLATED.add(peerId);
  }

  /** Reconnects {@code peerId}. */
  public static void heal(String peerId) {
    ISOLATED.remove(peerId);
  }

  /** Makes exactly {@code peerIds} isolated (each cut off from every other peer); empty heals all. */
  public static void setIsolated(Set<String> peerIds) {
    if (!peerIds.isEmpty()) {
      install();
    }
    ISOLATED.retainAll(peerIds);
    ISOLATED.addAll(peerIds);
  }

  /** Whether {@code peerId} is cut off. */
  public static boolean isIsolated(String peerId) {
    return ISOLATED.contains(peerId);
  }

  /** Adds {@code millis} to every log write of the local peer {@code peerId} (0 removes the delay). */
  public static void setDiskDelayMillis(String peerId, long millis) {
    if (millis <= 0) {
      DISK_DELAY_MILLIS.remove(peerId);
      return;
    }
    install();
    DISK_DELAY_MILLIS.put(peerId, millis);
  }

  /** The disk delay of {@code peerId}, 0 if none. */
  public static long diskDelayMillis(String peerId) {
    return DISK_DELAY_MILLIS.getOrDefault(peerId, 0L);
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      Class<?> impl = Class.forName("org.apache.ratis.server.impl.RaftServerImpl");
      for (String hook : NETWORK_HOOKS) {
        CodeInjectionForTesting.put(constant(impl, hook), RaftFaultInjection::network);
      }
      for (String hook : DISK_HOOKS) {
        CodeInjectionForTesting.put(constant(impl, hook), RaftFaultInjection::disk);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Ratis injection points not found; did RaftServerImpl change?", e);
    }
    installed = true;
  }

  private static String constant(Class<?> impl, String name) throws ReflectiveOperationException {
    Field f = impl.getDeclaredField(name);
    f.setAccessible(true);
    return (String) f.get(null);
  }

  private static boolean network(Object localId, Object remoteId, Object... args) {
    if (!cut(localId, remoteId)) {
      return false;
    }
    long deadline = System.nanoTime() + MAX_STALL_NANOS;
    while (cut(localId, remoteId) && System.nanoTime() - deadline < 0) {
      if (!sleep(10)) {
        break;
      }
    }
    return true;
  }

  private static boolean disk(Object localId, Object remoteId, Object... args) {
    Long delay = localId == null ? null : DISK_DELAY_MILLIS.get(localId.toString());
    if (delay == null || delay <= 0) {
      return false;
    }
    sleep(delay);
    return true;
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean cut(Object localId, Object remoteId) {
    return (localId != null && ISOLATED.contains(localId.toString()))
        || (remoteId != null && ISOLATED.contains(remoteId.toString()));
  }
}
