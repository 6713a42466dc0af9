package io.tso4j.testkit.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The record of every call made by the workload: invoke time, completion time (both {@link System#nanoTime()} of the
 * recording process) and the result: a range (first, count, term) or a failure kind.
 *
 * <p>Each client thread appends to its own {@link Recorder} (primitive arrays, no locking); {@link #snapshot()} merges
 * them into one array-backed view once the clients have stopped.
 */
public final class History {
  /** How a call ended. */
  public enum Outcome {
    /** A range was returned. */
    OK,
    /** The client gave up (deadline, no node served). */
    FAILED,
    /** The client's order guard rejected a response (counts as a violation). */
    ORDER_GUARD
  }

  private final List<Recorder> recorders = new ArrayList<>();

  /** A recorder for one client thread. */
  public synchronized Recorder newRecorder(int client) {
    Recorder r = new Recorder(client);
    recorders.add(r);
    return r;
  }

  /** All calls recorded so far, merged (call after the recording threads stopped). */
  public synchronized Calls snapshot() {
    int n = recorders.stream().mapToInt(r -> r.size).sum();
    Calls c = new Calls(n);
    for (Recorder r : recorders) {
      for (int i = 0; i < r.size; i++) {
        c.add(r.client, r.invoke[i], r.complete[i], r.first[i], r.count[i], r.term[i], Outcome.values()[r.outcome[i]]);
      }
    }
    return c;
  }

  /** Appends the calls of one client; used by one thread. */
  public static final class Recorder {
    private final int client;
    private int size;
    private long[] invoke = new long[1024];
    private long[] complete = new long[1024];
    private long[] first = new long[1024];
    private int[] count = new int[1024];
    private long[] term = new long[1024];
    private byte[] outcome = new byte[1024];

    private Recorder(int client) {
      this.client = client;
    }

    /** Records one call. */
    public void record(long invokeNanos, long completeNanos, long firstTs, int n, long t, Outcome o) {
      if (size == invoke.length) {
        int cap = size * 2;
        invoke = Arrays.copyOf(invoke, cap);
        complete = Arrays.copyOf(complete, cap);
        first = Arrays.copyOf(first, cap);
        count = Arrays.copyOf(count, cap);
        term = Arrays.copyOf(term, cap);
        outcome = Arrays.copyOf(outcome, cap);
      }
      invoke[size] = invokeNanos;
      complete[size] = completeNanos;
      first[size] = firstTs;
      count[size] = n;
      term[size] = t;
      outcome[size] = (byte) o.ordinal();
      size++;
    }
  }

  /** A merged, array-backed list of calls. */
  public static final class Calls {
    final int[] client;
    final long[] invoke;
    final long[] complete;
    final long[] first;
    final int[] count;
    final long[] term;
    final Outcome[] outcome;
    private int size;

    /** An empty list with room for {@code capacity} calls. */
    public Calls(int capacity) {
      client = new int[capacity];
      invoke = new long[capacity];
      complete = new long[capacity];
      first = new long[capacity];
      count = new int[capacity];
      term = new long[capacity];
      outcome = new Outcome[capacity];
    }

    /** Adds one call (up to the capacity). */
    public void add(int c, long inv, long comp, long f, int n, long t, Outcome o) {
      client[size] = c;
      invoke[size] = inv;
      complete[size] = comp;
      first[size] = f;
      count[size] = n;
      term[size] = t;
      outcome[size] = o;
      size++;
    }

    /** How many calls. */
    public int size() {
      return size;
    }

    /** The outcome of call {@code i}. */
    public Outcome outcome(int i) {
      return outcome[i];
    }

    /** The invoke time of call {@code i}. */
    public long invoke(int i) {
      return invoke[i];
    }

    /** The completion time of call {@code i}. */
    public long complete(int i) {
      return complete[i];
    }

    /** The first timestamp of call {@code i} (OK calls). */
    public long first(int i) {
      return first[i];
    }

    /** The last timestamp of call {@code i} (OK calls). */
    public long last(int i) {
      return first[i] + count[i] - 1;
    }

    /** The count of call {@code i}. */
    public int count(int i) {
      return count[i];
    }

    /** The term of call {@code i}. */
    public long term(int i) {
      return term[i];
    }

    /** The client of call {@code i}. */
    public int client(int i) {
      return client[i];
    }
  }
}
