package io.tso4j.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code tso4j} command: {@code serve}, {@code local-cluster}, {@code get}, {@code parse}, {@code watch},
 * {@code bench}, {@code stress}, {@code members}, {@code admin}, {@code restore}.
 *
 * <p>Errors are one line on stderr and an exit code from {@link ExitCodes}; never a stack trace (set
 * {@code TSO4J_DEBUG=1} to see one).
 */
@Command(name = "tso4j", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
    description = "A Raft-backed timestamp oracle.")
public final class Main implements Runnable {
  /**
   * The subcommands, by name. {@link #commandLine} builds only the one a command line names: picocli's model of the
   * six others cost about 0.17 s of CPU at every start (measured without the class-data sharing archive: 0.77 s for
   * all seven, 0.60 s for serve alone).
   */
  private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("serve", ServeCommand::new);
    COMMANDS.put("local-cluster", LocalClusterCommand::new);
    COMMANDS.put("get", GetCommand::new);
    COMMANDS.put("parse", ParseCommand::new);
    COMMANDS.put("bench", BenchCommand::new);
    COMMANDS.put("watch", WatchCommand::new);
    COMMANDS.put("stress", StressCommand::new);
    COMMANDS.put("members", MembersCommand::new);
    COMMANDS.put("admin", AdminCommand::new);
    COMMANDS.put("restore", RestoreCommand::new);
  }

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    int code = run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    System.exit(code);
  }

  /** Runs the command line and returns its exit code (for tests and embedding). */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cmd = commandLine(args.length > 0 ? args[0] : null);
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      cmd.setDefaultValueProvider(ConfigDefaults.load(args, env, configKeys(cmd), () -> configKeys(commandLine(null))));
    } catch (IllegalArgumentException e) {
      err.println("tso4j: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    boolean debug = "1".equals(env.get("TSO4J_DEBUG"));
    cmd.setExecutionExceptionHandler(new ErrorHandler(debug));
    cmd.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("tso4j: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, ex.getCommandLine().getErr());
      ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
          + " --help' for more information.");
      return ExitCodes.USAGE;
    });
    return cmd.execute(args);
  }

  /**
   * The {@code tso4j} command line with the subcommand {@code name} only, or with all of them if {@code name} is null
   * or names none (then {@code --help} lists them all, and a misspelt name gets picocli's suggestion).
   */
  static CommandLine commandLine(String name) {
    CommandLine root = new CommandLine(new Main());
    for (Map.Entry<String, Supplier<Object>> c : COMMANDS.entrySet()) {
      if (name == null || !COMMANDS.containsKey(name) || name.equals(c.getKey())) {
        root.addSubcommand(c.getKey(), c.getValue().get());
      }
    }
    return root;
  }

  /** The long names, without dashes, of the options of {@code cmd} and its subcommands: keys a file may set. */
  static Set<String> configKeys(CommandLine cmd) {
    Set<String> keys = new TreeSet<>();
    for (OptionSpec o : cmd.getCommandSpec().options()) {
      if (ConfigDefaults.configurable(o)) {
        keys.add(o.longestName().substring(2));
      }
    }
    for (CommandLine sub : cmd.getSubcommands().values()) {
      keys.addAll(configKeys(sub));
    }
    return keys;
  }

  /** Turns exceptions from a command into one line on stderr and an exit code. */
  private static final class ErrorHandler implements IExecutionExceptionHandler {
    private final boolean debug;

    ErrorHandler(boolean debug) {
      this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
      PrintWriter err = cmd.getErr();
      if (debug) {
        ex.printStackTrace(err);
      }
      if (ex instanceof CliException) {
        err.println("tso4j: " + ex.getMessage());
        return ((CliException) ex).exitCode();
      }
      if (ex instanceof IllegalArgumentException) {
        err.println("tso4j: " + ex.getMessage());
        return ExitCodes.USAGE;
      }
      err.println("tso4j: unexpected error: " + ex);
      return ExitCodes.FAILED;
    }
  }
}
