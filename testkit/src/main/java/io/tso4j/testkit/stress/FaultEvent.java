package io.tso4j.testkit.stress;

/**
 * One injected fault.
 *
 * @param kind what was done
 * @param target the node it was done to
 * @param wasLeader whether the target served when the fault began
 * @param oldTerm the term served when the fault began (0 if unknown)
 * @param startNanos when it began ({@link System#nanoTime()})
 * @param endNanos when it was healed (restart issued, partition healed, clock reset)
 * @param variant which form of the kind (a {@link ClockCase} name, "isolate leader", ...; empty if the kind has one)
 * @param note details (durations, offsets, exit codes, packets dropped, what the node logged)
 */
public record FaultEvent(FaultKind kind, String target, boolean wasLeader, long oldTerm, long startNanos,
    long endNanos, String variant, String note) {
  /** A fault of a kind that has one form. */
  public FaultEvent(FaultKind kind, String target, boolean wasLeader, long oldTerm, long startNanos, long endNanos,
      String note) {
    this(kind, target, wasLeader, oldTerm, startNanos, endNanos, "", note);
  }
}
