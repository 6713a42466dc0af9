package io.tso4j.ratis;

import io.tso4j.core.LeadershipEvent;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one Raft division's state into the {@link LeadershipEvent}s of the {@link io.tso4j.core.ConsensusDriver}
 * contract: pushed from the state machine's leadership hints and, as a safety net, from a poll of the division every
 * {@value #POLL_MILLIS} ms; deduplicated; {@link LeadershipEvent.Leader} only once the leader is ready (its first entry
 * of the term is applied).
 *
 * <p>Thread-safe: hints may come from any Ratis thread; the listener is called from the driver's one events thread.
 */
final class LeadershipTracker {
  /** How often the division's state is polled. */
  static final long POLL_MILLIS = 50;
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipTracker.class);

  private final String id;
  private final RaftPeerId self;
  private final RaftServer server;
  private final ScheduledExecutorService events;
  private final PeerReconnector reconnector;
  private volatile RaftServer.Division division;
  private volatile boolean closed;
  // Owned by the events thread.
  private Consumer<LeadershipEvent> listener = e -> { };
  private LeadershipEvent lastPublished;
  private long termSeen;
  private long termSeenAtNanos;

  /**
   * A tracker for {@code server}'s division of this node, publishing on {@code events}; {@code reconnector} (null when
   * a host application owns the server) resets peer connections while the group has no leader.
   */
  LeadershipTracker(String id, RaftServer server, ScheduledExecutorService events, PeerReconnector reconnector) {
    this.id = id;
    this.self = server.getId();
    this.server = server;
    this.events = events;
    this.reconnector = reconnector;
  }

  /** Starts tracking {@code d}, pushing changes to {@code eventListener}. */
  void start(RaftServer.Division d, Consumer<LeadershipEvent> eventListener) {
    division = d;
    events.execute(() -> listener = eventListener);
    events.scheduleWithFixedDelay(this::poll, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Stops publishing (the events executor is the driver's to shut down). */
  void close() {
    closed = true;
  }

  /** Leadership as the division reports it right now. */
  LeadershipEvent current() {
    RaftServer.Division d = division;
    if (closed || d == null) {
      return new LeadershipEvent.Unknown(0);
    }
    DivisionInfo info = d.getInfo();
    for (int attempt = 0; attempt < 3; attempt++) {
      long term = info.getCurrentTerm();
      boolean leader = info.isLeader();
      boolean ready = leader && info.isLeaderReady();
      RaftPeerId leaderId = info.getLeaderId();
      if (term != info.getCurrentTerm()) {
        continue;
      }
      if (!info.isAlive()) {
        return new LeadershipEvent.Unknown(term);
      }
      if (leader) {
        return ready ? new LeadershipEvent.Leader(term) : new LeadershipEvent.Unknown(term);
      }
      if (leaderId != null && !leaderId.equals(self)) {
        return new LeadershipEvent.Follower(term, Optional.of(leaderId.toString()));
      }
      return new LeadershipEvent.Unknown(term);
    }
    return new LeadershipEvent.Unknown(info.getCurrentTerm());
  }

  /** The id of the leader this node knows of (itself if it leads), if any. */
  Optional<String> leaderId() {
    RaftServer.Division d = division;
    if (closed || d == null) {
      return Optional.empty();
    }
    RaftPeerId leader = d.getInfo().getLeaderId();
    return leader == null ? Optional.empty() : Optional.of(leader.toString());
  }

  /** A hint from a Ratis callback: never blocks, the events thread confirms it against the division's state. */
  void onHint(LeadershipEvent hint) {
    try {
      events.execute(() -> {
        LeadershipEvent seen = current();
        if (hint instanceof LeadershipEvent.Leader && hint.term() != 0 && !hint.equals(seen)) {
          LOG.debug("[{}] leader-ready hint {} superseded by {}", id, hint, seen);
        }
        publish(seen);
      });
    } catch (RejectedExecutionException e) {
      // Closed.
    }
  }

  private void poll() {
    try {
      publish(current());
      RaftServer.Division d = division;
      if (reconnector != null && d != null && !closed) {
        reconnector.onPoll(server, d, System.nanoTime());
      }
    } catch (RuntimeException e) {
      LOG.warn("[{}] leadership poll failed: {}", id, e.toString());
    }
  }

  private void publish(LeadershipEvent event) {
    if (closed || event.equals(lastPublished)) {
      return;
    }
    lastPublished = event;
    long now = System.nanoTime();
    if (event.term() > termSeen) {
      termSeen = event.term();
      termSeenAtNanos = now;
    }
    if (event instanceof LeadershipEvent.Leader) {
      // The election phase of a failover: from the moment this node saw the new term (it became a candidate) to the
      // leader being ready (its first entry of the term committed and applied).
      LOG.info("[{}] leader ready in term {}, {} ms after this node first saw the term", id, event.term(),
          (now - termSeenAtNanos) / 1_000_000);
    } else {
      LOG.debug("[{}] leadership now {}", id, event);
    }
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      LOG.warn("[{}] leadership listener failed on {}: {}", id, event, e.toString());
    }
  }
}
