package io.tso4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Renders {@code conf/tso4j.properties} of the release archive from the option definitions of {@code tso4j serve}:
 * every option, commented out, with its description and default. ConfigTemplateTest checks that the file in
 * {@code cli/src/dist/conf} is what this renders, so it cannot drift from the options.
 */
final class ConfigTemplate {
  private static final int WIDTH = 118;

  private ConfigTemplate() {
  }

  /** The file's text for the {@code serve} command. */
  static String render() {
    CommandLine root = Main.commandLine("serve");
    root.setDefaultValueProvider(ConfigDefaults.load(new String[0], Map.of(), Main.configKeys(root),
        () -> Main.configKeys(Main.commandLine(null))));
    CommandLine serve = root.getSubcommands().get("serve");
    StringBuilder b = new StringBuilder();
    b.append("# Settings of `tso4j serve`: one KEY=VALUE per option, KEY being the long option name without dashes.\n")
        .append("# Every option is listed, commented out, with its default. A flag beats the variable TSO4J_<KEY>\n")
        .append("# (upper case, '-' as '_'), which beats this file, which beats the default. A key that is not an\n")
        .append("# option is an error. Durations are written 200ms, 3s, 1m30s. Use: tso4j serve --config FILE, or\n")
        .append("# TSO4J_CONFIG=FILE (the systemd unit sets it to /etc/tso4j/tso4j.properties).\n")
        .append("# Generated from the option definitions (io.tso4j.cli.ConfigTemplate); a test keeps it up to date.\n");
    List<OptionSpec> options = new ArrayList<>(serve.getCommandSpec().options());
    options.sort((x, y) -> x.longestName().compareTo(y.longestName()));
    for (OptionSpec o : options) {
      if (!ConfigDefaults.configurable(o)) {
        continue;
      }
      String key = o.longestName().substring(2);
      // picocli has already put the default into "(default: ...)"; the key line below shows it instead.
      String text = String.join(" ", o.description()).replaceAll("\\s*\\(default: [^)]*\\)", "");
      if (o.required()) {
        text += " Required.";
      }
      b.append('\n');
      wrap(b, text);
      String value = o.defaultValueString();
      boolean none = value == null || value.equals("null") || o.required();
      b.append('#').append(key).append('=').append(none ? "" : value).append('\n');
    }
    return b.toString();
  }

  private static void wrap(StringBuilder b, String text) {
    StringBuilder line = new StringBuilder("#");
    for (String word : text.trim().split("\\s+")) {
      if (line.length() + 1 + word.length() > WIDTH && line.length() > 1) {
        b.append(line).append('\n');
        line = new StringBuilder("#");
      }
      line.append(' ').append(word);
    }
    b.append(line).append('\n');
  }

  /** Prints the file. */
  public static void main(String[] args) {
    System.out.print(render());
  }
}
