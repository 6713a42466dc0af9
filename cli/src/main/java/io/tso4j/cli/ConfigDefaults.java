package io.tso4j.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option values that were not given as flags, from the environment and a config file.
 *
 * <p>Precedence: a flag on the command line, then the environment variable {@code TSO4J_<NAME>} (the long option
 * name upper-cased, dashes as underscores: {@code --grpc-port} → {@code TSO4J_GRPC_PORT}), then the key
 * {@code <name>} ({@code grpc-port=7001}) in the properties file given by {@code --config FILE} or
 * {@code TSO4J_CONFIG}, then the built-in default ({@link BuiltInDefaults}, else the option's annotation).
 *
 * <p>A key in the file or a {@code TSO4J_*} variable that names no option of any tso4j command (and is not one of
 * the {@link #OTHER_VARIABLES}) is an error that names it and the closest known key: a typo never passes silently. A
 * key that belongs to another command only (say {@code endpoints} in a file given to {@code serve}) is ignored.
 */
final class ConfigDefaults implements IDefaultValueProvider {
  /** The {@code TSO4J_*} variables that are not options: read by the launchers, the logging set-up, or here. */
  static final Set<String> OTHER_VARIABLES = Set.of("TSO4J_CONFIG", "TSO4J_DEBUG", "TSO4J_JAVA_OPTS",
      "TSO4J_LOG_LEVEL", "TSO4J_RATIS_LOG_LEVEL", "TSO4J_REBUILD", "TSO4J_HOME", "TSO4J_CDS", "TSO4J_JAVA");

  private static final String ENV_PREFIX = "TSO4J_";

  private final Map<String, String> env;
  private final Properties file;

  private ConfigDefaults(Map<String, String> env, Properties file) {
    this.env = env;
    this.file = file;
  }

  /**
   * Reads the config file named by {@code --config} in {@code args} or by TSO4J_CONFIG in {@code env}, and checks it
   * and the {@code TSO4J_*} variables against the long option names (without dashes): {@code commandKeys}, those of
   * the command being run, and only if a key is not among them, {@code allKeys}, those of every command (whose
   * model costs time to build).
   *
   * @throws IllegalArgumentException if the file is named but missing or unreadable, or a key or variable is unknown
   *     (the message says which, and suggests the closest known key)
   */
  static ConfigDefaults load(String[] args, Map<String, String> env, Set<String> commandKeys,
      Supplier<Set<String>> allKeys) {
    Supplier<Set<String>> known = new Supplier<>() {
      private Set<String> all;

      @Override
      public Set<String> get() {
        if (all == null) {
          all = allKeys.get();
        }
        return all;
      }
    };
    return read(args, env, commandKeys, known);
  }

  private static ConfigDefaults read(String[] args, Map<String, String> env, Set<String> commandKeys,
      Supplier<Set<String>> knownKeys) {
    String path = env.get("TSO4J_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        path = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        path = args[i].substring("--config=".length());
      }
    }
    Properties props = new Properties();
    if (path != null && !path.isBlank()) {
      try (Reader r = Files.newBufferedReader(Path.of(path))) {
        props.load(r);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("config file not found: " + path);
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage());
      }
      checkFile(path, props, commandKeys, knownKeys);
    }
    checkEnv(env, commandKeys, knownKeys);
    return new ConfigDefaults(env, props);
  }

  private static void checkFile(String path, Properties props, Set<String> commandKeys,
      Supplier<Set<String>> knownKeys) {
    for (String key : new TreeSet<>(props.stringPropertyNames())) {
      if (key.equals("config")) {
        throw new IllegalArgumentException("key 'config' in " + path + ": a config file cannot name another one");
      }
      if (!commandKeys.contains(key) && !knownKeys.get().contains(key)) {
        throw new IllegalArgumentException("unknown key '" + key + "' in " + path
            + Suggestion.closest(key, knownKeys.get()).map(s -> "; did you mean '" + s + "'?").orElse(""));
      }
    }
  }

  private static void checkEnv(Map<String, String> env, Set<String> commandKeys, Supplier<Set<String>> knownKeys) {
    Set<String> quick = new TreeSet<>(OTHER_VARIABLES);
    for (String key : commandKeys) {
      quick.add(variable(key));
    }
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith(ENV_PREFIX) || quick.contains(name)) {
        continue;
      }
      Set<String> known = new TreeSet<>();
      for (String v : OTHER_VARIABLES) {
        known.add(v.substring(ENV_PREFIX.length()));
      }
      for (String key : knownKeys.get()) {
        known.add(variable(key).substring(ENV_PREFIX.length()));
      }
      if (!known.contains(name.substring(ENV_PREFIX.length()))) {
        Optional<String> near = Suggestion.closest(name.substring(ENV_PREFIX.length()), known);
        throw new IllegalArgumentException("unknown variable " + name + " in the environment"
            + near.map(s -> "; did you mean " + ENV_PREFIX + s + "?").orElse(""));
      }
    }
  }

  /** The environment variable of the option with long name {@code --key}. */
  static String variable(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * Whether {@code option} takes its default from here: named, long, and not --config, --help or --version, and not
   * what a {@code tso4j admin} command acts on (only its --endpoints, --timeout and client TLS options may come from
   * here: the id in a node's config file must never become the target of {@code admin remove-member}).
   */
  static boolean configurable(OptionSpec option) {
    String name = option.longestName();
    return name.startsWith("--") && !name.equals("--config") && !option.usageHelp() && !option.versionHelp()
        && !isAdminTarget(option);
  }

  private static boolean isAdminTarget(OptionSpec option) {
    var command = option.command();
    boolean admin = command != null && command.parent() != null && "admin".equals(command.parent().name());
    String name = option.longestName();
    return admin && !name.equals("--endpoints") && !name.equals("--timeout") && !name.startsWith("--tls-");
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec) || !configurable((OptionSpec) arg)) {
      return null;
    }
    String key = ((OptionSpec) arg).longestName().substring(2);
    String fromEnv = env.get(variable(key));
    if (fromEnv != null) {
      return fromEnv;
    }
    String fromFile = file.getProperty(key);
    if (fromFile != null) {
      return fromFile.trim();
    }
    return BuiltInDefaults.of(key).orElse(arg.defaultValue());
  }
}
