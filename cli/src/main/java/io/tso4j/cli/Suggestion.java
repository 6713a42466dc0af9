package io.tso4j.cli;

import java.util.Collection;
import java.util.Optional;

/** The closest known name to a misspelt one, by edit distance, for "did you mean" hints. */
final class Suggestion {
  private Suggestion() {
  }

  /**
   * The name in {@code known} closest to {@code name} (case-insensitive edit distance), if it is close enough to be
   * a likely typo: at most a third of the longer name's length, and at least one edit allowed. Ties go to the
   * alphabetically first.
   */
  static Optional<String> closest(String name, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance || (d == bestDistance && best != null && k.compareTo(best) < 0)) {
        best = k;
        bestDistance = d;
      }
    }
    if (best == null || bestDistance > Math.max(1, Math.max(name.length(), best.length()) / 3)) {
      return Optional.empty();
    }
    return Optional.of(best);
  }

  /** Levenshtein distance (insert, delete, substitute, each 1). */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
