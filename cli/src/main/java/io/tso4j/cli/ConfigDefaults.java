package io.tso4j.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option values that were not given as flags, from the environment and a config file.
 *
 * <p>Precedence: a flag on the command line, then the environment variable {@code TSO4J_<NAME>} (the long option
 * name upper-cased, dashes as underscores: {@code --grpc-port} → {@code TSO4J_GRPC_PORT}), then the key
 * {@code <name>} ({@code grpc-port=7001}) in the properties file given by {@code --config FILE} or
 * {@code TSO4J_CONFIG}, then the option's built-in default.
 */
final class ConfigDefaults implements IDefaultValueProvider {
  private final Map<String, String> env;
  private final Properties file;

  private ConfigDefaults(Map<String, String> env, Properties file) {
    this.env = env;
    this.file = file;
  }

  /**
   * Reads the config file named by {@code --config} in {@code args} or by TSO4J_CONFIG in {@code env}.
   *
   * @throws IllegalArgumentException if the file is named but missing or unreadable (the message says which)
   */
  static ConfigDefaults load(String[] args, Map<String, String> env) {
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
    }
    return new ConfigDefaults(env, props);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec)) {
      return null;
    }
    String name = ((OptionSpec) arg).longestName();
    if (!name.startsWith("--") || name.equals("--config")) {
      return null;
    }
    String key = name.substring(2);
    String fromEnv = env.get("TSO4J_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null) {
      return fromEnv;
    }
    String fromFile = file.getProperty(key);
    if (fromFile != null) {
      return fromFile.trim();
    }
    return arg.defaultValue();
  }
}
