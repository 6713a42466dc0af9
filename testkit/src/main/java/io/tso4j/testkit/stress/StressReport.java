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
 * @param handoffGapMillis per graceful leader restart, the longest stretch without any successful call between the
 *     last success before the SIGTERM and the first timestamp of a newer term: the unavailability the handoff caused
 *     (the old leader may serve for a while after the SIGTERM, H3)
 * @param anomalies things that should not happen (unexpected exits, no leader, non-zero exit on SIGTERM)
 * @param worstStretches the five longest stretches without a successful call: when, how long, attributed fault
 * @param skipped requested fault kinds that could not run here, with the reason
 * @param kinds the figures per fault kind injected
 * @param faults every injected fault with what happened around it
 * @param restarts the restart scenario's samples (empty in the other scenarios)
 * @param cds what the node JVMs used for class-data sharing (the archive, or why none)
 */
public record StressReport(StressOptions options, long calls, long okCalls, long failedCalls, long timestamps,
    HistoryChecker.Result check, double clientSeconds, double availability, long longestGapMillis,
    Map<FaultKind, Long> longestGapByKind, long unattributedGapMillis, long maxLatencyMillis,
    Map<FaultKind, Integer> faultCounts, List<Long> failoverMillis, List<Long> handoffMillis,
    List<Long> handoffGapMillis, List<String> anomalies,
    List<String> worstStretches, Map<FaultKind, String> skipped, List<KindStats> kinds, List<FaultRow> faults,
    List<RestartSample> restarts, String cds) {
  /** A stretch without a successful call longer than this counts as unavailable. */
  public static final long GAP_MILLIS = 100;
  /** After a fault is healed, this long still counts as its window (recovery) for the per-kind figures. */
  public static final long RECOVERY_MILLIS = 3_000;
  /** A failover counts if a newer term served within this long after the fault was healed. */
  public static final long FAILOVER_HORIZON_MILLIS = 15_000;

  /**
   * The figures of one fault kind.
   *
   * @param kind the kind
   * @param count how many were injected
   * @param availability the fraction of its windows (each fault until {@link #RECOVERY_MILLIS} after it was healed)
   *     in which calls completed
   * @param longestGapMillis the longest stretch without a successful call attributed to it (0 if none)
   * @param failoverMillis for faults on the serving leader: fault start to the first call served in a newer term
   * @param violations violations of calls invoked within its windows
   * @param failedCalls calls that failed after the client's retries within its windows
   */
  public record KindStats(FaultKind kind, int count, double availability, long longestGapMillis,
      List<Long> failoverMillis, long violations, long failedCalls) {
  }

  /**
   * One injected fault and what the clients saw during it (until {@link #RECOVERY_MILLIS} after it was healed).
   *
   * @param event the fault
   * @param atSeconds when it began, from the first call
   * @param violations violations of calls invoked in its window
   * @param failedCalls calls that failed after retries in its window (refusals seen by clients)
   * @param okCalls calls that succeeded in its window
   * @param failoverMillis fault start to the first call served in a newer term, -1 if the term did not change
   */
  public record FaultRow(FaultEvent event, double atSeconds, long violations, long failedCalls, long okCalls,
      long failoverMillis) {
  }
  private static final long ATTRIBUTION_SLACK_NANOS = 5_000_000_000L;
  private static final long ATTRIBUTION_LEAD_NANOS = 500_000_000L;

  /** The fraction of calls that succeeded. */
  public double callSuccessRatio() {
    return calls == 0 ? 0 : (double) okCalls / calls;
  }

  /** Computes the report. */
  public static StressReport of(StressOptions options, History.Calls h, HistoryChecker.Result check,
      List<FaultEvent> events, List<String> anomalies) {
    return of(options, h, check, events, anomalies, Map.of());
  }

  /** Computes the report, listing {@code skipped} kinds (kind → why it could not run). */
  public static StressReport of(StressOptions options, History.Calls h, HistoryChecker.Result check,
      List<FaultEvent> events, List<String> anomalies, Map<FaultKind, String> skipped) {
    return of(options, h, check, events, anomalies, skipped, List.of(), "");
  }

  /** Computes the report, with the restart scenario's {@code restarts} and the class-data sharing note. */
  public static StressReport of(StressOptions options, History.Calls h, HistoryChecker.Result check,
      List<FaultEvent> events, List<String> anomalies, Map<FaultKind, String> skipped, List<RestartSample> restarts,
      String cds) {
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
    List<Long> handoffGaps = new ArrayList<>();
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
        if (handoff) {
          handoffGaps.add(longestGapBetween(completions, e.startNanos(), first) / 1_000_000);
        }
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
    List<FaultRow> rows = new ArrayList<>();
    int[] byInvoke = sortedBy(h, true);
    int[] byComplete = sortedBy(h, false);
    for (FaultEvent e : events) {
      long winEnd = e.endNanos() + RECOVERY_MILLIS * 1_000_000;
      long okIn = 0;
      long failedIn = 0;
      for (int j = firstAtOrAfter(h, byInvoke, true, e.startNanos()); j < n && h.invoke(byInvoke[j]) <= winEnd; j++) {
        int i = byInvoke[j];
        if (h.outcome(i) == History.Outcome.OK) {
          okIn++;
        } else if (h.outcome(i) == History.Outcome.FAILED) {
          failedIn++;
        }
      }
      long violationsIn = check.violationNanos().stream().filter(t -> t >= e.startNanos() && t <= winEnd).count();
      rows.add(new FaultRow(e, n == 0 ? 0 : (e.startNanos() - begin) / 1e9, violationsIn, failedIn, okIn,
          e.wasLeader() ? failover(h, byComplete, e) : -1));
    }
    List<KindStats> kinds = new ArrayList<>();
    for (FaultKind k : counts.keySet()) {
      List<long[]> windows = new ArrayList<>();
      List<Long> fo = new ArrayList<>();
      long v = 0;
      long f = 0;
      for (FaultRow r : rows) {
        if (r.event().kind() == k) {
          windows.add(new long[] {r.event().startNanos(), r.event().endNanos() + RECOVERY_MILLIS * 1_000_000});
          if (r.failoverMillis() >= 0) {
            fo.add(r.failoverMillis());
          }
          v += r.violations();
          f += r.failedCalls();
        }
      }
      kinds.add(new KindStats(k, counts.get(k), availabilityWithin(clip(merge(windows), begin, end), stretches),
          byKind.getOrDefault(k, 0L), List.copyOf(fo), v, f));
    }
    return new StressReport(options, n, ok, failed, timestamps, check, span, availability, longest / 1_000_000,
        byKind, unattributed, maxLatency / 1_000_000, counts, failovers, handoffs, handoffGaps, List.copyOf(anomalies),
        List.copyOf(worst), Map.copyOf(skipped), List.copyOf(kinds), List.copyOf(rows), List.copyOf(restarts), cds);
  }

  /**
   * The longest stretch between consecutive successful completions (sorted) that ends after {@code from} and no later
   * than {@code to}; the first such stretch starts at the last completion at or before {@code from}.
   */
  static long longestGapBetween(List<Long> sortedCompletions, long from, long to) {
    int i = Collections.binarySearch(sortedCompletions, from);
    int k = i >= 0 ? i : -i - 2;
    long prev = k >= 0 ? sortedCompletions.get(k) : from;
    long longest = 0;
    for (int j = k + 1; j < sortedCompletions.size() && sortedCompletions.get(j) <= to; j++) {
      long t = sortedCompletions.get(j);
      longest = Math.max(longest, t - prev);
      prev = t;
    }
    return longest;
  }

  /** Fault start to the first successful call in a newer term within the horizon, or -1. */
  private static long failover(History.Calls h, int[] byComplete, FaultEvent e) {
    long horizon = e.endNanos() + FAILOVER_HORIZON_MILLIS * 1_000_000;
    for (int j = firstAtOrAfter(h, byComplete, false, e.startNanos() + 1); j < byComplete.length; j++) {
      int i = byComplete[j];
      if (h.complete(i) >= horizon) {
        break;
      }
      if (h.outcome(i) == History.Outcome.OK && h.term(i) > e.oldTerm()) {
        return (h.complete(i) - e.startNanos()) / 1_000_000;
      }
    }
    return -1;
  }

  /** The call indexes sorted by invoke time ({@code byInvoke}) or by completion time. */
  private static int[] sortedBy(History.Calls h, boolean byInvoke) {
    Integer[] boxed = new Integer[h.size()];
    for (int i = 0; i < boxed.length; i++) {
      boxed[i] = i;
    }
    java.util.Arrays.sort(boxed, (a, b) -> byInvoke ? Long.compare(h.invoke(a), h.invoke(b))
        : Long.compare(h.complete(a), h.complete(b)));
    int[] out = new int[boxed.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = boxed[i];
    }
    return out;
  }

  /** The first position in {@code sorted} whose time is at least {@code nanos} (binary search). */
  private static int firstAtOrAfter(History.Calls h, int[] sorted, boolean byInvoke, long nanos) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      long t = byInvoke ? h.invoke(sorted[mid]) : h.complete(sorted[mid]);
      if (t < nanos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Sorted, non-overlapping windows covering {@code windows}. */
  private static List<long[]> merge(List<long[]> windows) {
    List<long[]> sorted = new ArrayList<>(windows);
    sorted.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> out = new ArrayList<>();
    for (long[] w : sorted) {
      if (!out.isEmpty() && w[0] <= out.get(out.size() - 1)[1]) {
        long[] last = out.get(out.size() - 1);
        last[1] = Math.max(last[1], w[1]);
      } else {
        out.add(new long[] {w[0], w[1]});
      }
    }
    return out;
  }

  /** The parts of {@code windows} inside [from, to]. */
  private static List<long[]> clip(List<long[]> windows, long from, long to) {
    List<long[]> out = new ArrayList<>();
    for (long[] w : windows) {
      long a = Math.max(w[0], from);
      long b = Math.min(w[1], to);
      if (b > a) {
        out.add(new long[] {a, b});
      }
    }
    return out;
  }

  /** 1 − (the part of {@code windows} covered by {@code stretches}) / (their length); 1 if empty. */
  private static double availabilityWithin(List<long[]> windows, List<long[]> stretches) {
    long total = 0;
    long down = 0;
    for (long[] w : windows) {
      total += w[1] - w[0];
      for (long[] g : stretches) {
        long from = Math.max(w[0], g[0]);
        long to = Math.min(w[1], g[1]);
        if (to > from) {
          down += to - from;
        }
      }
    }
    return total == 0 ? 1.0 : 1.0 - (double) down / total;
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
    skipped.forEach((k, why) -> b.append("- SKIPPED ").append(k.cliName()).append(": ").append(why)
        .append(" (this kind was not tested)\n"));
    for (FaultKind k : options.faults()) {
      boolean nemesis = options.scenario() == StressOptions.Scenario.NEMESIS;
      if (nemesis && !skipped.containsKey(k) && !faultCounts.containsKey(k)) {
        b.append("- NOT INJECTED ").append(k.cliName()).append(": the run was too short for it to be drawn\n");
      }
    }
    if (!faultCounts.isEmpty()) {
      b.append("- faults injected:");
      faultCounts.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
      b.append('\n');
    }
    if (!kinds.isEmpty()) {
      b.append("\n| fault kind | count | availability | longest unavailability | failover p50 / p99 / max (n) "
          + "| violations | failed calls |\n|---|---|---|---|---|---|---|\n");
      for (KindStats k : kinds) {
        b.append(String.format(Locale.ROOT, "| %s | %d | %.2f %% | %d ms | %s | %d | %d |%n", k.kind().cliName(),
            k.count(), k.availability() * 100, k.longestGapMillis(), k.failoverMillis().isEmpty() ? "—"
                : String.format(Locale.ROOT, "%d / %d / %d ms (%d)", quantile(k.failoverMillis(), 0.5),
                    quantile(k.failoverMillis(), 0.99), quantile(k.failoverMillis(), 1.0), k.failoverMillis().size()),
            k.violations(), k.failedCalls()));
      }
      b.append('\n');
    }
    List<FaultRow> clockRows = faults.stream().filter(r -> r.event().kind() == FaultKind.CLOCK_FAKETIME).toList();
    if (!clockRows.isEmpty()) {
      b.append("- clock cases (libfaketime, wall clock; order must hold in every case, docs/correctness.md):\n");
      for (FaultRow r : clockRows) {
        ClockCase c = ClockCase.valueOf(r.event().variant());
        b.append(String.format(Locale.ROOT, "  - at %.1f s on %s%s, %s (%s): %s, %d violations, %d failed calls, "
            + "%d ok; %s%n", r.atSeconds(), r.event().target(), r.event().wasLeader() ? " (leader)" : "",
            c.label(), c.withinBound() ? "within the slew bound" : "beyond the slew bound", r.violations() == 0 ? "order held"
                : "ORDER BROKEN", r.violations(), r.failedCalls(), r.okCalls(), r.event().note()));
      }
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
          + "term): n=%d p50=%d ms p99=%d ms max=%d ms%n", handoffMillis.size(), quantile(handoffMillis, 0.5),
          quantile(handoffMillis, 0.99), quantile(handoffMillis, 1.0)));
      b.append(String.format(Locale.ROOT, "- handoff unavailability (longest stretch without a successful call, from "
          + "the last one before SIGTERM to the new term's first): n=%d p50=%d ms p99=%d ms max=%d ms%n",
          handoffGapMillis.size(), quantile(handoffGapMillis, 0.5), quantile(handoffGapMillis, 0.99),
          quantile(handoffGapMillis, 1.0)));
    }
    if (!restarts.isEmpty()) {
      formatRestarts(b);
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

  /** The report as one JSON object (the same figures as {@link #format()}, plus every fault). */
  public String toJson() {
    JsonWriter j = new JsonWriter();
    j.begin();
    j.field("scenario", options.scenario().name().toLowerCase(Locale.ROOT)).field("seed", options.seed())
        .field("clients", options.clients()).field("durationSeconds", options.duration().toSeconds())
        .field("injectViolation", options.injectViolation()).field("clientSeconds", clientSeconds)
        .field("calls", calls).field("okCalls", okCalls).field("failedCalls", failedCalls)
        .field("timestamps", timestamps).field("violations", check.violations())
        .field("realTimeViolations", check.realTimeViolations()).field("duplicates", check.duplicates())
        .field("malformed", check.malformed()).field("orderGuardRejections", check.orderGuardRejections())
        .field("violationSamples", check.samples()).field("availability", availability)
        .field("longestUnavailabilityMillis", longestGapMillis).field("maxLatencyMillis", maxLatencyMillis);
    j.key("skipped").begin();
    skipped.forEach((k, why) -> j.field(k.cliName(), why));
    j.end();
    j.key("kinds").beginArray();
    for (KindStats k : kinds) {
      j.begin().field("kind", k.kind().cliName()).field("count", k.count()).field("availability", k.availability())
          .field("longestUnavailabilityMillis", k.longestGapMillis());
      j.key("failoverMillis").begin().field("n", k.failoverMillis().size())
          .field("p50", quantile(k.failoverMillis(), 0.5)).field("p99", quantile(k.failoverMillis(), 0.99))
          .field("max", quantile(k.failoverMillis(), 1.0)).end();
      j.field("violations", k.violations()).field("failedCalls", k.failedCalls()).end();
    }
    j.endArray();
    j.key("faults").beginArray();
    for (FaultRow r : faults) {
      FaultEvent e = r.event();
      j.begin().field("kind", e.kind().cliName()).field("variant", e.variant()).field("target", e.target())
          .field("wasLeader", e.wasLeader()).field("oldTerm", e.oldTerm()).field("atSeconds", r.atSeconds())
          .field("durationMillis", (e.endNanos() - e.startNanos()) / 1_000_000).field("violations", r.violations())
          .field("failedCalls", r.failedCalls()).field("okCalls", r.okCalls())
          .field("failoverMillis", r.failoverMillis());
      if (e.kind() == FaultKind.CLOCK_FAKETIME) {
        j.field("withinBound", ClockCase.valueOf(e.variant()).withinBound());
      }
      j.field("note", e.note()).end();
    }
    j.endArray();
    j.key("handoffMillis").begin().field("n", handoffMillis.size()).field("p50", quantile(handoffMillis, 0.5))
        .field("p99", quantile(handoffMillis, 0.99)).field("max", quantile(handoffMillis, 1.0)).end();
    j.key("handoffGapMillis").begin().field("n", handoffGapMillis.size())
        .field("p50", quantile(handoffGapMillis, 0.5)).field("p99", quantile(handoffGapMillis, 0.99))
        .field("max", quantile(handoffGapMillis, 1.0)).end();
    if (!restarts.isEmpty()) {
      j.key("restart").begin().field("cds", cds).field("nodeJvmFlags", options.nodeJvmFlags());
      for (boolean withCds : new boolean[] {true, false}) {
        List<RestartSample> v = variant(withCds);
        if (v.isEmpty()) {
          continue;
        }
        j.key(withCds ? "withCds" : "withoutCds").begin().field("n", v.size())
            .field("notFollowing", v.stream().filter(x -> x.followMillis() < 0).count());
        quantiles(j, "answerMillis", v, RestartSample::answerMillis);
        quantiles(j, "followMillis", v, RestartSample::followMillis);
        quantiles(j, "logMainMillis", v, RestartSample::logMainMillis);
        quantiles(j, "logRatisMillis", v, RestartSample::logRatisMillis);
        quantiles(j, "logDriverMillis", v, RestartSample::logDriverMillis);
        quantiles(j, "logTermMillis", v, RestartSample::logTermMillis);
        quantiles(j, "cpuMillis", v, RestartSample::cpuMillis);
        j.end();
      }
      double[] ratio = ratios();
      if (ratio != null) {
        j.field("ratioAnswerP50", ratio[0]).field("ratioFollowP50", ratio[1]);
      }
      j.key("samples").beginArray();
      for (RestartSample x : restarts) {
        j.begin().field("node", x.node()).field("wasLeader", x.wasLeader()).field("cds", x.cds())
            .field("answerMillis", x.answerMillis()).field("followMillis", x.followMillis()).field("term", x.term())
            .field("osStartMillis", x.osStartMillis()).field("logMainMillis", x.logMainMillis())
            .field("logRatisMillis", x.logRatisMillis()).field("logDriverMillis", x.logDriverMillis())
            .field("logTermMillis", x.logTermMillis()).field("cpuMillis", x.cpuMillis()).end();
      }
      j.endArray();
      j.end();
    }
    j.field("worstStretches", worstStretches).field("anomalies", anomalies);
    j.end();
    return j.toString();
  }

  /** The restart samples with ({@code withCds}) or without the archive. */
  private List<RestartSample> variant(boolean withCds) {
    return restarts.stream().filter(x -> x.cds() == withCds).toList();
  }

  /** The values of {@code f} over {@code v} that were measured (not -1). */
  private static List<Long> measured(List<RestartSample> v, java.util.function.ToLongFunction<RestartSample> f) {
    return v.stream().mapToLong(f).filter(x -> x >= 0).boxed().toList();
  }

  private static void quantiles(JsonWriter j, String key, List<RestartSample> v,
      java.util.function.ToLongFunction<RestartSample> f) {
    List<Long> m = measured(v, f);
    j.key(key).begin().field("n", m.size()).field("p50", quantile(m, 0.5)).field("p99", quantile(m, 0.99))
        .field("max", quantile(m, 1.0)).end();
  }

  /** Median without CDS / median with CDS: client port answering, following; null unless both were measured. */
  private double[] ratios() {
    List<Long> aw = measured(variant(true), RestartSample::answerMillis);
    List<Long> ao = measured(variant(false), RestartSample::answerMillis);
    List<Long> fw = measured(variant(true), RestartSample::followMillis);
    List<Long> fo = measured(variant(false), RestartSample::followMillis);
    if (aw.isEmpty() || ao.isEmpty() || fw.isEmpty() || fo.isEmpty()) {
      return null;
    }
    return new double[] {(double) quantile(ao, 0.5) / Math.max(1, quantile(aw, 0.5)),
        (double) quantile(fo, 0.5) / Math.max(1, quantile(fw, 0.5))};
  }

  private static String pqm(List<Long> m) {
    return m.isEmpty() ? "—" : String.format(Locale.ROOT, "%d / %d / %d", quantile(m, 0.5), quantile(m, 0.99),
        quantile(m, 1.0));
  }

  private void formatRestarts(StringBuilder b) {
    b.append("- restarted node (kill -9, started again at once; ms from just before the exec; node JVM flags ")
        .append(String.join(" ", options.nodeJvmFlags())).append("; class-data sharing: ").append(cds)
        .append("):\n\n");
    b.append("| node JVM | n | client port answering p50 / p99 / max | following the leader p50 / p99 / max "
        + "| not following in 20 s | CPU used until following p50 / max "
        + "| log p50: main / Ratis state machine / driver started / term known |\n"
        + "|---|---|---|---|---|---|---|\n");
    for (boolean withCds : new boolean[] {true, false}) {
      List<RestartSample> v = variant(withCds);
      if (v.isEmpty()) {
        continue;
      }
      List<Long> cpu = measured(v, RestartSample::cpuMillis);
      b.append(String.format(Locale.ROOT, "| %s | %d | %s ms | %s ms | %d | %d / %d ms | %d / %d / %d / %d ms |%n",
          withCds ? "with CDS" : "without CDS", v.size(), pqm(measured(v, RestartSample::answerMillis)),
          pqm(measured(v, RestartSample::followMillis)), v.stream().filter(x -> x.followMillis() < 0).count(),
          quantile(cpu, 0.5), quantile(cpu, 1.0),
          quantile(measured(v, RestartSample::logMainMillis), 0.5),
          quantile(measured(v, RestartSample::logRatisMillis), 0.5),
          quantile(measured(v, RestartSample::logDriverMillis), 0.5),
          quantile(measured(v, RestartSample::logTermMillis), 0.5)));
    }
    b.append('\n');
    double[] ratio = ratios();
    if (ratio != null) {
      b.append(String.format(Locale.ROOT, "- medians without / with CDS: client port answering %.2fx, following "
          + "%.2fx%n", ratio[0], ratio[1]));
    }
  }
}
