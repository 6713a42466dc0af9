package io.tso4j.core;

import io.tso4j.core.memory.InMemoryDriver;
import io.tso4j.core.memory.InMemoryRegister;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A deterministic simulation of a small cluster: each node is the real {@link FenceProtocol}, {@link FenceEffects},
 * {@link TimestampAllocator} and {@link OracleTime} on its own {@link ManualClock}, over {@link InMemoryDriver}s that
 * share one {@link InMemoryRegister}. Time moves one millisecond per step for every node; driver calls complete at
 * once and their replies are handled before the step ends. No threads (the fatal handler aside), no sleeps.
 */
final class OracleSimulation {
  static final Duration LEASE = Duration.ofMillis(160);

  final InMemoryRegister register = new InMemoryRegister();
  final List<Node> nodes = new ArrayList<>();
  private long elapsedMillis;

  /** One simulated node. */
  final class Node {
    final String id;
    final ManualClock clock;
    final InMemoryDriver driver;
    final OracleTime time;
    final TimestampAllocator allocator;
    final ServingStatePublisher publisher;
    final FenceProtocol protocol;
    final FenceEffects effects;
    final List<Throwable> fatal = new ArrayList<>();
    /** Every log line the protocol asked for, in order. */
    final List<FenceAction.Log> logs = new ArrayList<>();
    private final Deque<FenceInput> inbox = new ArrayDeque<>();
    /** Extra wall-clock milliseconds per real millisecond (1 = a wall clock running twice as fast). */
    long extraWallPerMilli;

    Node(String id, long wallMillis, LeadershipEvent initial, FenceConfig config) {
      this.id = id;
      this.clock = new ManualClock(wallMillis);
      this.driver = new InMemoryDriver(id, LEASE, initial, register);
      this.time = new OracleTime(clock, config.maxClockSlew());
      this.allocator = new TimestampAllocator(clock, time::nowMillis, config.extendThreshold().toMillis(),
          () -> inbox.add(FenceInput.EXTENSION));
      this.publisher = new ServingStatePublisher(id);
      this.protocol = new FenceProtocol(id, config, LEASE);
      ClockWatch watch = new ClockWatch(id, LeaderWatch.CLOCK_JUMP_THRESHOLD_MILLIS,
          config.window().toMillis() + LeaderWatch.CLOCK_JUMP_THRESHOLD_MILLIS);
      this.effects = new FenceEffects(driver, allocator, publisher, time, clock, watch, new OracleCounters(),
          fatal::add, inbox::add);
    }

    void start() {
      driver.start(e -> inbox.add(new FenceInput.Leadership(e)));
      step(FenceInput.TICK);
      drain();
    }

    private void step(FenceInput input) {
      List<FenceAction> actions = protocol.on(input, new FenceProtocol.Now(clock.monoNanos(), time.nowMillis(),
          allocator.leaseRefusals()));
      for (FenceAction a : actions) {
        if (a instanceof FenceAction.Log l) {
          logs.add(l);
        }
      }
      effects.execute(actions);
    }

    private void drain() {
      for (int i = 0; !inbox.isEmpty(); i++) {
        if (i > 10_000) {
          throw new AssertionError(id + ": the protocol does not settle: " + inbox.peek());
        }
        step(inbox.poll());
      }
    }

    void tick() {
      drain();
      if (!effects.exited() && clock.monoNanos() - effects.wakeAtNanos() >= 0) {
        step(FenceInput.TICK);
      }
      drain();
    }

    /** One allocation; null if refused (the refusal also lets queued inputs run, as the watch thread would). */
    Grant allocate(int count) {
      try {
        return allocator.allocate(count);
      } catch (RefusedException e) {
        return null;
      } finally {
        drain();
      }
    }

    /** One allocation that must be refused; returns the reason (queued inputs run afterwards, as in allocate). */
    RefusedException.Reason refusal(int count) {
      try {
        Grant g = allocator.allocate(count);
        throw new AssertionError(id + " served " + g + " where a refusal was expected");
      } catch (RefusedException e) {
        return e.reason();
      } finally {
        drain();
      }
    }

    boolean serving() {
      return publisher.current().serving();
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** Adds a node whose wall clock starts at {@code wallMillis}. */
  Node node(String id, long wallMillis, LeadershipEvent initial, FenceConfig config) {
    Node n = new Node(id, wallMillis, initial, config);
    nodes.add(n);
    return n;
  }

  /** One millisecond of real time on every node. */
  void step() {
    elapsedMillis++;
    for (Node n : nodes) {
      n.clock.advance(1);
      if (n.extraWallPerMilli != 0) {
        n.clock.jumpWall(n.extraWallPerMilli);
      }
      n.tick();
    }
  }

  /** Simulated milliseconds so far. */
  long elapsedMillis() {
    return elapsedMillis;
  }
}
