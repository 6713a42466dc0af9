package io.tso4j.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses durations written as {@code 250ms}, {@code 3s}, {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT3S}). */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** Parses one duration; throws TypeConversionException with the accepted forms. */
  static Duration parse(String value) {
    String v = value.trim();
    Matcher m = SIMPLE.matcher(v);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            return Duration.ofMillis(n);
          case "s":
            return Duration.ofSeconds(n);
          case "m":
            return Duration.ofMinutes(n);
          default:
            return Duration.ofHours(n);
        }
      }
      return Duration.parse(v);
    } catch (RuntimeException e) {
      throw new TypeConversionException("'" + value + "' is not a duration (e.g. 250ms, 3s, 2m, PT1S)");
    }
  }
}
