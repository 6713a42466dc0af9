package io.tso4j.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The human form of durations on the command line, in config files and in messages: a sequence of whole numbers with
 * units, largest first, e.g. {@code 200ms}, {@code 3s}, {@code 1m30s}, {@code 2h}, {@code 1s500ms}. Units: {@code h},
 * {@code m}, {@code s}, {@code ms}, {@code us}, {@code ns}. ISO-8601 ({@code PT3S}) is neither accepted nor printed.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  /** What a duration looks like, for error messages. */
  static final String FORMS = "e.g. 200ms, 3s, 1m30s, 2h";

  private static final Pattern PART = Pattern.compile("(\\d+)(h|ms|m|s|us|ns)");
  private static final String[] UNITS = {"h", "m", "s", "ms", "us", "ns"};
  private static final long[] NANOS = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /**
   * Parses one duration.
   *
   * @throws TypeConversionException naming the value and the accepted forms if it is not one
   */
  static Duration parse(String value) {
    String v = value == null ? "" : value.trim();
    Matcher m = PART.matcher(v);
    Duration total = Duration.ZERO;
    int at = 0;
    int lastUnit = -1;
    try {
      while (at < v.length() && m.find(at) && m.start() == at) {
        int unit = unitIndex(m.group(2));
        if (unit <= lastUnit) {
          throw new IllegalArgumentException("units out of order");
        }
        lastUnit = unit;
        total = total.plus(Duration.ofNanos(Math.multiplyExact(Long.parseLong(m.group(1)), NANOS[unit])));
        at = m.end();
      }
    } catch (ArithmeticException | IllegalArgumentException e) {
      at = -1;
    }
    if (v.isEmpty() || at != v.length()) {
      throw new TypeConversionException("'" + value + "' is not a duration (" + FORMS + ")");
    }
    return total;
  }

  /** Prints {@code d} in the form {@link #parse} reads: {@code 0s}, {@code 250ms}, {@code 3s}, {@code 1m30s}. */
  static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    Duration rest = d;
    for (int i = 0; i < UNITS.length; i++) {
      long n = rest.dividedBy(Duration.ofNanos(NANOS[i]));
      if (n > 0) {
        b.append(n).append(UNITS[i]);
        rest = rest.minus(Duration.ofNanos(NANOS[i]).multipliedBy(n));
      }
    }
    return b.toString();
  }

  private static int unitIndex(String unit) {
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit)) {
        return i;
      }
    }
    throw new IllegalArgumentException(unit);
  }
}
