package io.tso4j.testkit.stress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one stress run, computed from the recorded history and the fault log.
 *
 * <p>Unavailability is seen from the clients: a stretch longer than {@value #GAP_MILLIS} ms in which no call
 * completed successfully (clients call back to back, so a healthy cluster completes one every few milliseconds).
 * Availability is 1 − (sum of those stretches) / (time clients ran). A stretch is attributed to the latest fault that
 * began no later than 0.5 s after the stretch began and was healed less than 5 s before it began (else to the latest
 * fault that began before it ended). Failover after a leader kill is the time from
 * the kill -9 to the first successful call answered in a higher term; handoff after a graceful leader restart the
 * same from the SIGTERM.
 *
 * @param options the run's settings
 * @param calls every call made
 * @param okCalls calls that returned a range
 * @param failedCalls calls that failed after the client's retries (deadline)
 * @param timestamps timestamps handed out (sum of the counts)
 * @param check the checker's result
 * @param clientSeconds how long the clients ran
 * @param availability the fraction of that time in which calls completed
 * @param longestGapMillis the longest stretch without a successful call
 * @param longestGapByKind the longest stretch per fault kind (key absent: none longer than the threshold)
 * @param unattributedGapMillis the longest stretch no fault explains (0 if none)
 * @param maxLatencyMillis the slowest successful call
 * @param faultCounts how many faults of each kind were injected
 * @param failoverMillis failover times after leader kills
 * @param handoffMillis handoff times after graceful leader restarts
 * @param anomalies things that should not happen (unexpected exits, no leader, non-zero exit on SIGTERM)
 * @param worstStretches the five longest stretches without a successful call: when, how long, attributed fault
 */
public record StressReport(StressOptions options, long calls, long okCalls, long failedCalls, long timestamps,
    HistoryChecker.Result check, double clientSeconds, double availability, long longestGapMillis,
    Map<FaultKind, Long> longestGapByKind, long unattributedGapMillis, long maxLatencyMillis,
    Map<FaultKind, Integer> faultCounts, List<Long> failoverMillis, List<Long> handoffMillis, List<String> anomalies,
    List<String> worstStretches) {
  /** A stretch without a successful call longer than this counts as unavailable. */
  public static final long GAP_MILLIS = 100;
  private static final long ATTRIBUTION_SLACK_NANOS = 5_000_000_000L;
  private static final long ATTRIBUTION_LEAD_NANOS = 500_000_000L;

  /** The fraction of calls that succeeded. */
  public double callSuccessRatio() {
    return calls == 0 ? 0 : (double) okCalls / calls;
  }

  /** Computes the report. */
  public static StressReport of(StressOptions options, History.Calls h, HistoryChecker.Result check,
      List<FaultEvent> events, List<String> anomalies) {
    int n = h.size();
    long ok = 0;
    long failed = 0;
    long timestamps = 0;
    long maxLatency = 0;
    long begin = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    List<Long> completions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      begin = Math.min(begin, h.invoke(i));
      end = Math.max(end, h.complete(i));
      if (h.outcome(i) == History.Outcome.OK) {
        ok++;
        timestamps += h.count(i);
        completions.add(h.complete(i));
        maxLatency = Math.max(maxLatency, h.complete(i) - h.invoke(i));
      } else if (h.outcome(i) == History.Outcome.FAILED) {
        failed++;
      }
    }
    Collections.sort(completions);
    Map<FaultKind, Long> byKind = new EnumMap<>(FaultKind.class);
    long unavailable = 0;
    long longest = 0;
    long unattributed = 0;
    long prev = n == 0 ? 0 : begin;
    List<long[]> stretches = new ArrayList<>();
    List<Long> points = new ArrayList<>(completions);
    if (n > 0) {
      points.add(end);
    }
    for (long t : points) {
      long gap = t - prev;
      if (gap > GAP_MILLIS * 1_000_000) {
        unavailable += gap;
        longest = Math.max(longest, gap);
        stretches.add(new long[] {prev, t});
        FaultEvent cause = attribute(events, prev, t);
        if (cause == null) {
          unattributed = Math.max(unattributed, gap / 1_000_000);
        } else {
          byKind.merge(cause.kind(), gap / 1_000_000, Math::max);
        }
      }
      prev = t;
    }
    double span = n == 0 ? 0 : (end - begin) / 1e9;
    double availability = span == 0 ? 0 : 1.0 - unavailable / 1e9 / span;
    Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
    events.forEach(e -> counts.merge(e.kind(), 1, Integer::sum));
    List<Long> failovers = new ArrayList<>();
    List<Long> handoffs = new ArrayList<>();
    for (FaultEvent e : events) {
      boolean kill = e.kind() == FaultKind.LEADER_KILL;
      boolean handoff = e.kind() == FaultKind.GRACEFUL_RESTART && e.wasLeader();
      if (!kill && !handoff) {
        continue;
      }
      long first = Long.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        if (h.outcome(i) == History.Outcome.OK && h.term(i) > e.oldTerm() && h.complete(i) > e.startNanos()) {
          first = Math.min(first, h.complete(i));
        }
      }
      if (first != Long.MAX_VALUE) {
        (kill ? failovers : handoffs).add((first - e.startNanos()) / 1_000_000);
      }
    }
    stretches.sort((a, b) -> Long.compare(b[1] - b[0], a[1] - a[0]));
    List<String> worst = new ArrayList<>();
    for (long[] g : stretches.subList(0, Math.min(5, stretches.size()))) {
      FaultEvent cause = attribute(events, g[0], g[1]);
      worst.add(String.format(Locale.ROOT, "at %.1f s: %d ms%s", (g[0] - begin) / 1e9, (g[1] - g[0]) / 1_000_000,
          cause == null ? " (no fault)" : String.format(Locale.ROOT, " after %s of %s%s at %.1f s (%s)",
              cause.kind(), cause.target(), cause.wasLeader() ? " (leader)" : "",
              (cause.startNanos() - begin) / 1e9, cause.note())));
    }
    return new StressReport(options, n, ok, failed, timestamps, check, span, availability, longest / 1_000_000,
        byKind, unattributed, maxLatency / 1_000_000, counts, failovers, handoffs, List.copyOf(anomalies),
        List.copyOf(worst));
  }

  private static FaultEvent attribute(List<FaultEvent> events, long gapStart, long gapEnd) {
    // Prefer the fault that began about when the stretch began (the last success comes just before the fault).
    FaultEvent atStart = null;
    for (FaultEvent e : events) {
      if (e.startNanos() <= gapStart + ATTRIBUTION_LEAD_NANOS && e.endNanos() + ATTRIBUTION_SLACK_NANOS >= gapStart
          && (atStart == null || e.startNanos() > atStart.startNanos())) {
        atStart = e;
      }
    }
    if (atStart != null) {
      return atStart;
    }
    FaultEvent best = null;
    for (FaultEvent e : events) {
      if (e.startNanos() <= gapEnd && e.endNanos() + ATTRIBUTION_SLACK_NANOS >= gapStart
          && (best == null || e.startNanos() > best.startNanos())) {
        best = e;
      }
    }
    return best;
  }

  /** The {@code q} quantile (0..1) of {@code values} by the nearest-rank rule; -1 if empty. */
  static long quantile(List<Long> values, double q) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> s = new ArrayList<>(values);
    Collections.sort(s);
    int rank = (int) Math.ceil(q * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  /** The report as text (also valid Markdown). */
  public String format() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "tso4j stress: scenario %s, seed %d, %d clients, %.1f s of calls%s%n",
        options.scenario(), options.seed(), options.clients(), clientSeconds,
        options.injectViolation() ? " (positive control: one violation injected)" : ""));
    b.append(String.format(Locale.ROOT, "- calls: %d (ok %d, failed after retries %d, success %.4f%%), "
        + "timestamps %d%n", calls, okCalls, failedCalls, callSuccessRatio() * 100, timestamps));
    b.append(String.format(Locale.ROOT, "- violations: %d (real-time order %d, duplicates %d, malformed %d, order "
        + "guard %d) over %d checked calls%n", check.violations(), check.realTimeViolations(), check.duplicates(),
        check.malformed(), check.orderGuardRejections(), check.checkedCalls()));
    for (String s : check.samples()) {
      b.append("  - ").append(s).append('\n');
    }
    b.append(String.format(Locale.ROOT, "- availability: %.4f%% of the time some node answered (longest stretch "
        + "without a successful call %d ms; slowest successful call %d ms)%n", availability * 100,
        longestGapMillis, maxLatencyMillis));
    if (!faultCounts.isEmpty()) {
      b.append("- faults injected:");
      faultCounts.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
      b.append('\n');
    }
    if (!longestGapByKind.isEmpty() || unattributedGapMillis > 0) {
      b.append("- longest unavailability per fault kind (ms):");
      longestGapByKind.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
      if (unattributedGapMillis > 0) {
        b.append(" (no fault)=").append(unattributedGapMillis);
      }
      b.append('\n');
    }
    if (!failoverMillis.isEmpty()) {
      b.append(String.format(Locale.ROOT, "- failover after leader kill -9 (kill to first timestamp of a newer "
          + "term): n=%d p50=%d ms p99=%d ms max=%d ms%n", failoverMillis.size(), quantile(failoverMillis, 0.5),
          quantile(failoverMillis, 0.99), quantile(failoverMillis, 1.0)));
    }
    if (!handoffMillis.isEmpty()) {
      b.append(String.format(Locale.ROOT, "- handoff after SIGTERM of the leader (to first timestamp of a newer "
          + "term): n=%d p50=%d ms max=%d ms%n", handoffMillis.size(), quantile(handoffMillis, 0.5),
          quantile(handoffMillis, 1.0)));
    }
    if (!worstStretches.isEmpty()) {
      b.append("- longest stretches without a successful call:\n");
      worstStretches.forEach(w -> b.append("  - ").append(w).append('\n'));
    }
    for (String a : anomalies) {
      b.append("- anomaly: ").append(a).append('\n');
    }
    return b.toString();
  }
}
