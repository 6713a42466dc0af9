package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Settings from flags, TSO4J_* variables and --config files: precedence, unknown keys and variables as errors with a
 * suggestion, built-in defaults from the owning modules' constants.
 */
final class ConfigDefaultsTest {
  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path file(String content) throws IOException {
    Path f = dir.resolve("tso4j.properties");
    Files.writeString(f, content);
    return f;
  }

  @Test
  void unknownKeyInFileNamesItTheFileAndTheClosestKey() throws IOException {
    Path f = file("windw=5s\n");
    assertThat(run("serve", "--config", f.toString(), "--id", "n1", "--peers", "n1=127.0.0.1:7101"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString().trim()).isEqualTo("tso4j: unknown key 'windw' in " + f + "; did you mean 'window'?");
  }

  @Test
  void unknownKeyWithNothingCloseHasNoSuggestion() throws IOException {
    Path f = file("banana=yellow\n");
    assertThat(run("get", "--config", f.toString(), "--endpoints", "127.0.0.1:1")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString().trim()).isEqualTo("tso4j: unknown key 'banana' in " + f);
  }

  @Test
  void configFileNamedByTheEnvironmentIsCheckedToo() throws IOException {
    Path f = file("snapshot-treshold=5\n");
    env.put("TSO4J_CONFIG", f.toString());
    assertThat(run("parse", "1")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown key 'snapshot-treshold' in " + f
        + "; did you mean 'snapshot-threshold'?");
  }

  @Test
  void aFileCannotNameAnotherFile() throws IOException {
    Path f = file("config=/etc/other.properties\n");
    assertThat(run("parse", "--config", f.toString(), "1")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("key 'config' in " + f + ": a config file cannot name another one");
  }

  @Test
  void unknownVariableIsAnErrorWithTheClosestVariable() {
    env.put("TSO4J_WINDW", "5s");
    assertThat(run("parse", "1")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString().trim())
        .isEqualTo("tso4j: unknown variable TSO4J_WINDW in the environment; did you mean TSO4J_WINDOW?");
  }

  @Test
  void launcherVariablesAndOtherCommandsKeysAreAccepted() throws IOException {
    env.put("TSO4J_JAVA_OPTS", "-Xmx1g");
    env.put("TSO4J_LOG_LEVEL", "DEBUG");
    env.put("TSO4J_ENDPOINTS", "127.0.0.1:1");
    Path f = file("endpoints=127.0.0.1:1\npeers=n1=127.0.0.1:7101\n");
    env.put("TSO4J_CONFIG", f.toString());
    assertThat(run("parse", "1")).as(err.toString()).isEqualTo(ExitCodes.OK);
  }

  @Test
  void flagBeatsEnvironmentWhichBeatsFileWhichBeatsDefault() throws IOException {
    CommandLine cmd = Main.commandLine("serve");
    Path f = file("window=4s\nrpc-timeout-max=700ms\nhandoff-grace=2s\n");
    env.put("TSO4J_WINDOW", "5s");
    env.put("TSO4J_RPC_TIMEOUT_MAX", "600ms");
    String[] args = {"serve", "--config", f.toString(), "--id", "n1", "--peers", "n1=127.0.0.1:7101",
        "--window", "6s"};
    cmd.setDefaultValueProvider(ConfigDefaults.load(args, env, Main.configKeys(cmd),
        () -> Main.configKeys(Main.commandLine(null))));
    cmd.parseArgs(args);
    ServeCommand serve = cmd.getSubcommands().get("serve").getCommand();
    assertThat(serve.nodeOptions.window).isEqualTo(Duration.ofSeconds(6));
    assertThat(serve.nodeOptions.rpcTimeoutMax).isEqualTo(Duration.ofMillis(600));
    assertThat(serve.tuningOptions.handoffGrace).isEqualTo(Duration.ofSeconds(2));
    assertThat(serve.nodeOptions.rpcTimeoutMin).isEqualTo(Duration.ofMillis(200));
    assertThat(serve.tuningOptions.groupId).isEqualTo(io.tso4j.server.NodeTuning.DEFAULT_GROUP_ID);
  }

  @Test
  void badValueFromTheFileIsAUsageErrorInHumanForm() throws IOException {
    Path f = file("raft-request-timeout=PT3S\n");
    assertThat(run("serve", "--config", f.toString(), "--id", "n1", "--peers", "n1=127.0.0.1:7101"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'PT3S' is not a duration (e.g. 200ms, 3s, 1m30s, 2h)");
  }

  @Test
  void tuningValuesOutOfRangeAreUsageErrorsNamingTheOption() {
    assertThat(run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:7101", "--snapshot-threshold", "0"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--snapshot-threshold must be at least 1, was 0");
    assertThat(run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:7101", "--fence-retry-budget", "0s"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--fence-retry-budget must be more than 0s, was 0s");
    assertThat(run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:7101", "--group-id", "not-a-uuid"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--id", "n1", "--peers", "n1=127.0.0.1:7101", "--rpc-timeout-min", "500ms"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--rpc-timeout-max (400ms) must be greater than --rpc-timeout-min (500ms)")
        .doesNotContainPattern("PT[0-9]");
  }

  @Test
  void helpShowsDefaultsFromTheOwningModulesInHumanForm() {
    assertThat(run("serve", "--help")).isEqualTo(ExitCodes.OK);
    String help = out.toString().replaceAll("\\s+", " ");
    assertThat(help).contains("(default: 3s)").contains("(default: 200ms)").contains("(default: 1s400ms)")
        .contains("(default: " + io.tso4j.server.NodeTuning.DEFAULT_GROUP_ID + ")").doesNotContainPattern("PT[0-9]");
  }

  /** An annotation default on an option that BuiltInDefaults owns must say the same, or readers are misled. */
  @Test
  void annotationDefaultsAgreeWithTheBuiltInOnes() {
    CommandLine root = Main.commandLine(null);
    int checked = 0;
    for (CommandLine sub : root.getSubcommands().values()) {
      for (OptionSpec o : sub.getCommandSpec().options()) {
        String key = o.longestName().substring(2);
        if (o.defaultValue() != null && BuiltInDefaults.of(key).isPresent()) {
          checked++;
          Object annotated = key.equals("group-id") ? UUID.fromString(o.defaultValue())
              : DurationConverter.parse(o.defaultValue());
          Object builtIn = key.equals("group-id") ? UUID.fromString(BuiltInDefaults.of(key).get())
              : DurationConverter.parse(BuiltInDefaults.of(key).get());
          assertThat(annotated).as(sub.getCommandName() + " " + o.longestName()).isEqualTo(builtIn);
        }
      }
    }
    assertThat(checked).as("NodeOptions declares defaults for its three options").isGreaterThanOrEqualTo(3);
  }

  @Test
  void onlyTheNamedCommandIsBuiltAndAllForHelpOrATypo() {
    assertThat(Main.commandLine("get").getSubcommands().keySet()).containsExactly("get");
    assertThat(Main.commandLine(null).getSubcommands()).hasSize(10);
    assertThat(Main.commandLine("serv").getSubcommands()).hasSize(10);
    assertThat(run("serv")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unmatched argument at index 0: 'serv'").contains("serve");
    assertThat(run("--help")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("local-cluster", "stress", "watch");
  }

  @Test
  void suggestionsAreCloseOrAbsent() {
    assertThat(Suggestion.closest("windw", java.util.List.of("window", "id", "peers"))).contains("window");
    assertThat(Suggestion.closest("PEERS", java.util.List.of("window", "id", "peers"))).contains("peers");
    assertThat(Suggestion.closest("xyz", java.util.List.of("window", "id", "peers"))).isEmpty();
    assertThat(Suggestion.distance("kitten", "sitting")).isEqualTo(3);
  }
}
