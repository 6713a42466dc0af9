package io.tso4j.server.ratis;

import java.lang.reflect.Field;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * Test-only network partition for in-process Ratis servers: while a peer id is isolated, every Raft request it sends
 * (append entries, votes, snapshots, election starts) and every such request it receives stalls in the receiving
 * server, like a black-holed link; healing releases them.
 *
 * <p>Uses Ratis's global {@link CodeInjectionForTesting} hooks in RaftServerImpl request handling. Only ids passed to
 * {@link #isolate} are affected, so clusters with distinct peer ids do not interfere; {@link RatisTestCluster} uses
 * ids unique per cluster and heals them on close.
 */
final class NetworkPartition implements CodeInjectionForTesting.Code {
  private static final NetworkPartition INSTANCE = new NetworkPartition();
  private static final String[] HOOKS = {"REQUEST_VOTE", "APPEND_ENTRIES", "INSTALL_SNAPSHOT", "START_LEADER_ELECTION"};
  private static final long MAX_STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static boolean installed;

  private final Set<String> isolated = ConcurrentHashMap.newKeySet();

  private NetworkPartition() {
  }

  /** Cuts {@code peerId} off from every other peer. */
  static void isolate(String peerId) {
    install();
    INSTANCE.isolated.add(peerId);
  }

  /** Reconnects {@code peerId}. */
  static void heal(String peerId) {
    INSTANCE.isolated.remove(peerId);
  }

  /** Whether {@code peerId} is cut off. */
  static boolean isIsolated(String peerId) {
    return INSTANCE.isolated.contains(peerId);
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      Class<?> impl = Class.forName("org.apache.ratis.server.impl.RaftServerImpl");
      for (String hook : HOOKS) {
        Field f = impl.getDeclaredField(hook);
        f.setAccessible(true);
        CodeInjectionForTesting.put((String) f.get(null), INSTANCE);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Ratis injection points not found; did RaftServerImpl change?", e);
    }
    installed = true;
  }

  @Override
  public boolean execute(Object localId, Object remoteId, Object... args) {
    if (!cut(localId, remoteId)) {
      return false;
    }
    long deadline = System.nanoTime() + MAX_STALL_NANOS;
    while (cut(localId, remoteId) && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return true;
  }

  private boolean cut(Object localId, Object remoteId) {
    return (localId != null && isolated.contains(localId.toString()))
        || (remoteId != null && isolated.contains(remoteId.toString()));
  }
}
