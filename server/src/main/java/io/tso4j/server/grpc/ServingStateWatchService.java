package io.tso4j.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tso4j.proto.v1.ServingStateEvent;
import io.tso4j.proto.v1.ServingStateWatchGrpc;
import io.tso4j.proto.v1.ServingStatus;
import io.tso4j.proto.v1.WatchServingStateRequest;
import io.tso4j.core.ServingState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tso4j.v1 ServingStateWatch service (peat-sidecar #6): streams the node's serving-state changes from a {@link
 * ServingStateLog}, each with its sequence number.
 *
 * <p>A subscriber names the last sequence it saw; the service replays what follows from the log, then streams live
 * changes. It never drops an event silently: if the point is gone from the log (or comes from another incarnation, or
 * lies in the future), or if the subscriber reads so slowly that the log drops entries it has not been sent yet, it
 * gets one RESYNC event and then the current state, and continues from there. Slowness is seen through gRPC flow
 * control ({@code isReady}): nothing is queued per subscriber beyond what the transport buffers, the log itself is the
 * buffer. Sending happens on one service thread, never on the publisher's. {@link #close()} ends every stream.
 */
public final class ServingStateWatchService extends ServingStateWatchGrpc.ServingStateWatchImplBase
    implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingStateWatchService.class);
  private static final int BATCH = 32;

  private final ServingStateLog log;
  private final StatusMapper statuses;
  private final String nodeId;
  private final ExecutorService sender;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** A service streaming {@code log}; leader ids are turned into endpoints through {@code members}. */
  public ServingStateWatchService(ServingStateLog log, MemberSource members) {
    MemberDirectory directory = members.current();
    this.log = Objects.requireNonNull(log, "log");
    this.statuses = new StatusMapper(members);
    this.nodeId = directory.localId();
    this.sender = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tso4j-watch-sender-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void watchServingState(WatchServingStateRequest request, StreamObserver<ServingStateEvent> responses) {
    ServerCallStreamObserver<ServingStateEvent> call = (ServerCallStreamObserver<ServingStateEvent>) responses;
    if (closed) {
      call.onCompleted();
      return;
    }
    Subscription s = new Subscription(call, request);
    subscriptions.add(s);
    log.addWakeUp(s.wakeUp);
    call.setOnCancelHandler(s::cancel);
    call.setOnReadyHandler(s.wakeUp);
    s.wakeUp.run();
  }

  /** How many streams are open. */
  public int subscribers() {
    return subscriptions.size();
  }

  /** Sends what is pending and ends every stream; later calls end at once. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Subscription s : List.copyOf(subscriptions)) {
      try {
        sender.execute(s::finish);
      } catch (RejectedExecutionException e) {
        // already closed
      }
    }
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One open stream and its cursor in the log; all sending happens on the sender thread. */
  private final class Subscription {
    final Runnable wakeUp = this::schedule;
    private final ServerCallStreamObserver<ServingStateEvent> call;
    // Owned by the sender thread.
    private long cursor;
    private boolean resync;
    private boolean started;
    private boolean done;
    private final WatchServingStateRequest request;

    Subscription(ServerCallStreamObserver<ServingStateEvent> call, WatchServingStateRequest request) {
      this.call = call;
      this.request = request;
    }

    private void schedule() {
      try {
        sender.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }

    private void start() {
      started = true;
      long since = request.getSinceSequence();
      String inc = request.getIncarnation();
      long latest = log.latest().map(ServingStateLog.Entry::sequence).orElse(0L);
      if (since == 0) {
        cursor = Math.max(0, latest - 1);
      } else if ((!inc.isEmpty() && !inc.equals(log.incarnation())) || since > latest) {
        resync = true;
      } else {
        cursor = since;
      }
    }

    private void drain() {
      if (done || call.isCancelled()) {
        return;
      }
      if (!started) {
        start();
      }
      try {
        while (call.isReady()) {
          if (resync) {
            Optional<ServingStateLog.Entry> cur = log.latest();
            if (cur.isEmpty()) {
              return;
            }
            call.onNext(event(ServingStateEvent.Kind.KIND_RESYNC, cur.get()));
            call.onNext(event(ServingStateEvent.Kind.KIND_STATE, cur.get()));
            cursor = cur.get().sequence();
            resync = false;
            continue;
          }
          Optional<List<ServingStateLog.Entry>> next = log.after(cursor, BATCH);
          if (next.isEmpty()) {
            LOG.debug("[{}] watch subscriber fell behind the replay buffer at {}; resync", nodeId, cursor);
            resync = true;
            continue;
          }
          if (next.get().isEmpty()) {
            return;
          }
          for (ServingStateLog.Entry e : next.get()) {
            call.onNext(event(ServingStateEvent.Kind.KIND_STATE, e));
            cursor = e.sequence();
          }
        }
      } catch (RuntimeException e) {
        LOG.debug("[{}] watch stream failed: {}", nodeId, e.toString());
        cancel();
      }
    }

    private void finish() {
      drain();
      if (!done) {
        done = true;
        remove();
        try {
          call.onCompleted();
        } catch (RuntimeException e) {
          // cancelled meanwhile
        }
      }
    }

    private void cancel() {
      done = true;
      remove();
    }

    private void remove() {
      log.removeWakeUp(wakeUp);
      subscriptions.remove(this);
    }

    private ServingStateEvent event(ServingStateEvent.Kind kind, ServingStateLog.Entry e) {
      ServingState s = e.state();
      ServingStateEvent.Builder b = ServingStateEvent.newBuilder()
          .setKind(kind)
          .setSequence(e.sequence())
          .setStatus(status(s.status()))
          .setTerm(Math.max(0, s.term()))
          .setNodeId(nodeId)
          .setIncarnation(log.incarnation())
          .setAtUnixMs(e.atUnixMillis());
      statuses.leaderHint(s).ifPresent(b::setLeader);
      return b.build();
    }
  }

  /** The wire value of a serving status. */
  public static ServingStatus status(ServingState.Status s) {
    switch (s) {
      case NOT_SERVING:
        return ServingStatus.SERVING_STATUS_NOT_SERVING;
      case FENCING:
        return ServingStatus.SERVING_STATUS_FENCING;
      case SERVING:
        return ServingStatus.SERVING_STATUS_SERVING;
      case FROZEN:
        return ServingStatus.SERVING_STATUS_FROZEN;
      case POISONED:
        return ServingStatus.SERVING_STATUS_POISONED;
      case STOPPED:
        return ServingStatus.SERVING_STATUS_STOPPED;
      default:
        return ServingStatus.SERVING_STATUS_UNSPECIFIED;
    }
  }
}
