package io.tso4j.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names that the Grafana dashboard's queries use, and which of them a scrape lacks. */
final class DashboardNames {
  /** The dashboard in the repository (tests run in the cli module's directory). */
  static final Path DASHBOARD = Path.of("..", "docs", "grafana", "tso4j-dashboard.json");
  private static final Pattern NAME = Pattern.compile("\\b((?:tso4j|ratis|jvm|process|system)_[a-zA-Z0-9_]+)");

  private DashboardNames() {
  }

  /** Every {@code expr} of the dashboard's panels (parses the file: it must be JSON). */
  static List<String> expressions(Path dashboard) throws IOException {
    JsonElement root = JsonParser.parseString(Files.readString(dashboard));
    List<String> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(JsonElement e, List<String> out) {
    if (e.isJsonObject()) {
      JsonObject o = e.getAsJsonObject();
      for (Map.Entry<String, JsonElement> f : o.entrySet()) {
        if (f.getKey().equals("expr") && f.getValue().isJsonPrimitive()) {
          out.add(f.getValue().getAsString());
        } else {
          collect(f.getValue(), out);
        }
      }
    } else if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> collect(x, out));
    }
  }

  /** The metric names in {@code expressions}. */
  static Set<String> names(List<String> expressions) {
    Set<String> names = new TreeSet<>();
    for (String expr : expressions) {
      Matcher m = NAME.matcher(expr);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The names in {@code expressions} that no sample of {@code scrape} has. */
  static Set<String> missing(List<String> expressions, PrometheusText scrape) {
    Set<String> missing = new TreeSet<>();
    for (String n : names(expressions)) {
      if (!scrape.has(n)) {
        missing.add(n);
      }
    }
    return missing;
  }
}
