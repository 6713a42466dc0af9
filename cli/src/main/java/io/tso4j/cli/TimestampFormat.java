package io.tso4j.cli;

import io.tso4j.timestamp.Timestamp;

/** How the CLI prints a timestamp: one line of text, or one JSON object. */
final class TimestampFormat {
  private TimestampFormat() {
  }

  /** {@code <value>  <ISO time>  logical <n>}, or a JSON object with value, physical_ms, time, logical. */
  static String describe(Timestamp ts, boolean json) {
    if (json) {
      return "{\"timestamp\":" + ts.toLong() + ",\"physical_ms\":" + ts.physicalMillis() + ",\"time\":\""
          + ts.toInstant() + "\",\"logical\":" + ts.logical() + "}";
    }
    return ts.toLong() + "  " + ts.toInstant() + "  logical " + ts.logical();
  }
}
