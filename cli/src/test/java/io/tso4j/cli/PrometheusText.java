package io.tso4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text (0.0.4) scrape: its samples, with their labels. Just enough for the tests. */
final class PrometheusText {
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+).*");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {
  }

  private final List<Sample> samples = new ArrayList<>();

  PrometheusText(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
  }

  /** The samples of {@code name} whose labels include {@code labels} (key, value, key, value...). */
  List<Sample> samples(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        all &= labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (all) {
        out.add(s);
      }
    }
    return out;
  }

  /** The sum of the values of those samples (0 if none). */
  double sum(String name, String... labels) {
    return samples(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  /** Whether some sample has this exact name. */
  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  /** Whether some sample's name starts with {@code prefix}. */
  boolean hasPrefix(String prefix) {
    return samples.stream().anyMatch(s -> s.name().startsWith(prefix));
  }
}
