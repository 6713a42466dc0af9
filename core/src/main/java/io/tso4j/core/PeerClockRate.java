package io.tso4j.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The peer view of this node's monotonic clock rate (docs/correctness.md C6): a pure detector fed {@link
 * PeerClockSample}s, no threads, no clock reads (the samples carry the times).
 *
 * <p>Per peer it keeps the samples of the last {@code window} (by send time) and estimates the rate of this node's
 * monotonic clock relative to the peer's over that window: between an early sample a and a late sample b (the ones
 * with the shortest round trip in the first and the last third of the window), the peer's clock advanced {@code
 * q_b − q_a} while this node's advanced between {@code s_b − r_a} and {@code r_b − s_a} (each reading happened during
 * its round trip). That gives a rigorous interval [low, high] for ours / peer's: the round trips are the error bound.
 * A peer counts only when its samples span at least 80 % of the window and there are at least {@value #MIN_SAMPLES};
 * it then <em>disagrees</em> (this node runs FAST or SLOW against it) only when the whole interval lies beyond 1 +
 * bound (or below 1 / (1 + bound)), so that even the most favourable reading of the round trips is beyond the bound,
 * and <em>agrees</em> only when the whole interval lies within half the bound (which needs round trips short against
 * the window); anything between, or round trips too long to tell, is UNKNOWN and decides nothing.
 *
 * <p>Decision: this node's clock is <b>suspect</b> when a majority of the other voters (at least two of them: with one
 * other voter nobody can tell which clock is wrong) disagree with it in the same direction; it stays suspect until a
 * majority of the other voters agree with it again, which takes about one window after its clock is back. A
 * disagreement of fewer peers is theirs, not ours: it is counted ({@link #peerDisagreements()}) and reported, and
 * changes nothing here (reported only once no peer still being measured could make it a majority). A peer whose clock goes back, or whose incarnation changes (a restart), starts a new series.
 *
 * <p>Thread-safe (synchronized); cheap (a few samples per peer).
 */
final class PeerClockRate {
  /** The fewest samples of one peer an estimate uses. */
  static final int MIN_SAMPLES = 5;

  /** How this node's clock rate compares with one peer's. */
  enum Agreement {
    /** Not enough samples, too short a span, too noisy, or between agreeing and disagreeing. */
    UNKNOWN,
    /** Within half the bound. */
    AGREE,
    /** This node's clock runs faster than the peer's by more than the bound. */
    FAST,
    /** This node's clock runs slower than the peer's by more than the bound. */
    SLOW
  }

  /**
   * The estimate against one peer.
   *
   * @param peer the peer
   * @param agreement the comparison
   * @param ratio this node's rate / the peer's (NaN when no estimate)
   * @param low the low end of the interval the true ratio lies in
   * @param high the high end
   * @param samples how many samples the window holds
   */
  record Estimate(String peer, Agreement agreement, double ratio, double low, double high, int samples) {
  }

  /**
   * The decision after a sample.
   *
   * @param suspect whether this node's clock is suspect now
   * @param changed whether this sample changed {@code suspect}
   * @param reason why it is suspect ("monotonic rate 1.30x of peers n2, n3 (bound 5%)"), or the last reason
   * @param newlyDisagreeing peers that started to disagree with this node while a majority does not (their problem)
   * @param estimates the estimate against every other voter with samples
   */
  record Verdict(boolean suspect, boolean changed, String reason, List<Estimate> newlyDisagreeing,
      List<Estimate> estimates) {
  }

  private final double bound;
  private final long windowNanos;
  private final Map<String, Series> series = new HashMap<>();
  private final Set<String> minority = new HashSet<>();
  private boolean suspect;
  private String reason = "";
  private long episodes;
  private long peerDisagreements;

  /**
   * A detector that flags a rate difference beyond {@code bound} (a fraction, 0.05 = 5 %) over {@code windowNanos}.
   */
  PeerClockRate(double bound, long windowNanos) {
    if (!(bound > 0 && bound < 1)) {
      throw new IllegalArgumentException("bound must be in (0, 1): " + bound);
    }
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("window must be > 0: " + windowNanos);
    }
    this.bound = bound;
    this.windowNanos = windowNanos;
  }

  /** Adds {@code s} and decides again. */
  synchronized Verdict observe(PeerClockSample s) {
    Set<String> voters = s.otherVoters();
    series.keySet().retainAll(voters);
    minority.retainAll(voters);
    if (s.roundTripNanos() >= 0 && voters.contains(s.peer())) {
      series.computeIfAbsent(s.peer(), p -> new Series(s.peerIncarnation())).add(s);
    }
    List<Estimate> estimates = new ArrayList<>();
    Map<String, Estimate> byPeer = new TreeMap<>();
    for (String peer : voters) {
      Series x = series.get(peer);
      if (x != null) {
        Estimate e = x.estimate(peer);
        estimates.add(e);
        byPeer.put(peer, e);
      }
    }
    int others = voters.size();
    int need = others >= 2 ? others / 2 + 1 : Integer.MAX_VALUE;
    List<Estimate> fast = filter(byPeer, Agreement.FAST);
    List<Estimate> slow = filter(byPeer, Agreement.SLOW);
    int agree = filter(byPeer, Agreement.AGREE).size();
    boolean changed = false;
    if (!suspect && (fast.size() >= need || slow.size() >= need)) {
      suspect = true;
      changed = true;
      episodes++;
      reason = describe(fast.size() >= need ? fast : slow);
      minority.clear();
    } else if (suspect && agree >= need) {
      suspect = false;
      changed = true;
    }
    List<Estimate> fresh = new ArrayList<>();
    if (!suspect) {
      // A disagreement is the peers' (a minority) only if it stays one even if every peer without an estimate yet
      // joined it; until then it may be the first of a majority still being measured.
      int unknown = others - fast.size() - slow.size() - agree;
      for (Estimate e : byPeer.values()) {
        boolean disagrees = e.agreement() == Agreement.FAST && fast.size() + unknown < need
            || e.agreement() == Agreement.SLOW && slow.size() + unknown < need;
        if (disagrees && minority.add(e.peer())) {
          peerDisagreements++;
          fresh.add(e);
        } else if (e.agreement() == Agreement.AGREE) {
          minority.remove(e.peer());
        }
      }
    }
    return new Verdict(suspect, changed, reason, Collections.unmodifiableList(fresh),
        Collections.unmodifiableList(estimates));
  }

  /** Whether this node's clock is suspect now. */
  synchronized boolean suspect() {
    return suspect;
  }

  /** Why it is (or last was) suspect. */
  synchronized String reason() {
    return reason;
  }

  /** How many suspect episodes began. */
  synchronized long episodes() {
    return episodes;
  }

  /** How many times a single peer (not a majority) started to disagree with this node. */
  synchronized long peerDisagreements() {
    return peerDisagreements;
  }

  /** The bound (a fraction). */
  double bound() {
    return bound;
  }

  private static List<Estimate> filter(Map<String, Estimate> byPeer, Agreement a) {
    List<Estimate> out = new ArrayList<>();
    for (Estimate e : byPeer.values()) {
      if (e.agreement() == a) {
        out.add(e);
      }
    }
    return out;
  }

  private String describe(List<Estimate> peers) {
    double sum = 0;
    List<String> ids = new ArrayList<>();
    for (Estimate e : peers) {
      sum += e.ratio();
      ids.add(e.peer());
    }
    return String.format(Locale.ROOT, "monotonic rate %.3fx of peers %s (bound %s%%)", sum / peers.size(),
        String.join(", ", ids), percent(bound));
  }

  /** {@code fraction} as a percentage without trailing zeros (0.05 → "5", 0.125 → "12.5"). */
  static String percent(double fraction) {
    String s = String.format(Locale.ROOT, "%.3f", fraction * 100);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** The samples of one peer incarnation, oldest first, spanning at most one window. */
  private final class Series {
    private final ArrayDeque<PeerClockSample> samples = new ArrayDeque<>();
    private long incarnation;

    Series(long incarnation) {
      this.incarnation = incarnation;
    }

    void add(PeerClockSample s) {
      PeerClockSample last = samples.peekLast();
      if (s.peerIncarnation() != incarnation || (last != null
          && (s.peerNanos() <= last.peerNanos() || s.sentNanos() <= last.sentNanos()))) {
        // A restarted peer (or a reordered reply): its clock has another origin; start over.
        samples.clear();
        incarnation = s.peerIncarnation();
      }
      samples.addLast(s);
      while (s.sentNanos() - samples.peekFirst().sentNanos() > windowNanos) {
        samples.removeFirst();
      }
    }

    Estimate estimate(String peer) {
      int n = samples.size();
      if (n < MIN_SAMPLES) {
        return unknown(peer, n);
      }
      long first = samples.peekFirst().sentNanos();
      long span = samples.peekLast().sentNanos() - first;
      if (span < windowNanos / 5 * 4) {
        return unknown(peer, n);
      }
      PeerClockSample a = null;
      PeerClockSample b = null;
      Iterator<PeerClockSample> it = samples.iterator();
      while (it.hasNext()) {
        PeerClockSample s = it.next();
        long at = s.sentNanos() - first;
        if (at <= span / 3 && (a == null || s.roundTripNanos() < a.roundTripNanos())) {
          a = s;
        }
        if (at >= span - span / 3 && (b == null || s.roundTripNanos() < b.roundTripNanos())) {
          b = s;
        }
      }
      double dq = (double) (b.peerNanos() - a.peerNanos());
      if (a == b || dq <= 0) {
        return unknown(peer, n);
      }
      double low = (b.sentNanos() - a.receivedNanos()) / dq;
      double high = (b.receivedNanos() - a.sentNanos()) / dq;
      double ratio = ((b.sentNanos() / 2.0 + b.receivedNanos() / 2.0) - (a.sentNanos() / 2.0
          + a.receivedNanos() / 2.0)) / dq;
      Agreement agreement;
      if (low > 1 + bound) {
        agreement = Agreement.FAST;
      } else if (high < 1 / (1 + bound)) {
        agreement = Agreement.SLOW;
      } else if (low >= 1 / (1 + bound / 2) && high <= 1 + bound / 2) {
        agreement = Agreement.AGREE;
      } else {
        agreement = Agreement.UNKNOWN;
      }
      return new Estimate(peer, agreement, ratio, low, high, n);
    }

    private Estimate unknown(String peer, int n) {
      return new Estimate(peer, Agreement.UNKNOWN, Double.NaN, Double.NaN, Double.NaN, n);
    }
  }
}
