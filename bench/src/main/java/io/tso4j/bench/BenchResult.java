package io.tso4j.bench;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The outcome of one benchmark run. Latencies in microseconds; rates per second of the measured time. Immutable.
 *
 * @param target what was measured (e.g. {@code tso4j 3-node ratis})
 * @param concurrency callers
 * @param count timestamps per call
 * @param seconds measured seconds
 * @param calls successful calls in the measured time
 * @param rpcs requests the target sent in the measured time
 * @param callersPerRpc mean callers merged into one request
 * @param p50 50th percentile latency (µs), likewise p90, p99, p999 and max
 * @param errors failed calls in the measured time by exception type
 * @param orderViolations order violations found (whole run, warm-up included)
 * @param firstViolation a description of the first violation, or null
 * @param unfinished calls still outstanding when the run gave up waiting
 * @param orderChecked calls checked for real-time and per-caller order (every successful call of the whole run)
 * @param overlapChecked calls among which no two ranges may overlap was checked (bounded; see {@link OrderChecker})
 * @param firstTerm the newest Raft term that had served a call when the measured time began (-1: no terms, or none
 *     yet), likewise {@code lastTerm} when it ended: {@link #termChanges()} elections happened in between
 */
public record BenchResult(String target, int concurrency, int count, double seconds, long calls, long rpcs,
    double callersPerRpc, double p50, double p90, double p99, double p999, double max, Map<String, Long> errors,
    long orderViolations, String firstViolation, int unfinished, long orderChecked, long overlapChecked,
    long firstTerm, long lastTerm) {

  /**
   * How many terms the serving leader moved on during the measured time (each a failover, or an election that served
   * nothing); -1 when the target has no terms.
   */
  public long termChanges() {
    return firstTerm < 0 || lastTerm < 0 ? -1 : lastTerm - firstTerm;
  }

  /** Calls per second. */
  public double callsPerSecond() {
    return calls / seconds;
  }

  /** Timestamps per second. */
  public double timestampsPerSecond() {
    return (double) calls * count / seconds;
  }

  /** Requests per second. */
  public double rpcsPerSecond() {
    return rpcs / seconds;
  }

  /** Failed calls in the measured time. */
  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** One line that says how much of the run the order check covered. */
  public String checkedLine() {
    return String.format(Locale.ROOT, "order %s C=%d: real-time and per-caller order checked for all %,d calls; "
        + "no-overlap checked for %,d of them; %d violation(s)%s", target, concurrency, orderChecked, overlapChecked,
        orderViolations, termChanges() < 0 ? "" : "; served in term " + (termChanges() == 0 ? lastTerm
        : firstTerm + ".." + lastTerm) + " (" + termChanges() + " term change(s) in the measured time)");
  }

  /** The column headers of {@link #row()}. */
  public static String header() {
    return String.format(Locale.ROOT, "%-28s %6s %12s %13s %10s %7s %8s %8s %8s %8s %9s %7s %5s",
        "target", "C", "calls/s", "timestamps/s", "rpcs/s", "batch", "p50us", "p90us", "p99us", "p99.9us",
        "maxus", "errors", "viol");
  }

  /** One line of a text table. */
  public String row() {
    return String.format(Locale.ROOT, "%-28s %6d %12.0f %13.0f %10.0f %7.1f %8.0f %8.0f %8.0f %8.0f %9.0f %7d %5d",
        target, concurrency, callsPerSecond(), timestampsPerSecond(), rpcsPerSecond(), callersPerRpc, p50, p90, p99,
        p999, max, errorCount(), orderViolations);
  }

  /** One JSON object. */
  public String toJson() {
    String errs = new TreeMap<>(errors).entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\":" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
    return String.format(Locale.ROOT, "{\"target\":\"%s\",\"concurrency\":%d,\"count\":%d,\"seconds\":%.3f,"
        + "\"calls\":%d,\"calls_per_s\":%.1f,\"timestamps_per_s\":%.1f,\"rpcs_per_s\":%.1f,\"mean_batch\":%.2f,"
        + "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f},\"errors\":%s,"
        + "\"order_violations\":%d,\"order_checked\":%d,\"overlap_checked\":%d,\"unfinished\":%d,"
        + "\"term_changes\":%d%s}",
        target, concurrency, count, seconds, calls, callsPerSecond(), timestampsPerSecond(), rpcsPerSecond(),
        callersPerRpc, p50, p90, p99, p999, max, errs, orderViolations, orderChecked, overlapChecked, unfinished,
        termChanges(),
        firstViolation == null ? "" : ",\"first_violation\":\"" + firstViolation.replace("\"", "'") + "\"");
  }
}
