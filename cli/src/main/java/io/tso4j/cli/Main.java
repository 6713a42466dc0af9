package io.tso4j.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code tso4j} command: {@code serve}, {@code local-cluster}, {@code get}, {@code parse}, {@code watch},
 * {@code bench}, {@code stress}.
 *
 * <p>Errors are one line on stderr and an exit code from {@link ExitCodes}; never a stack trace (set
 * {@code TSO4J_DEBUG=1} to see one).
 */
@Command(name = "tso4j", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
    description = "A Raft-backed timestamp oracle.",
    subcommands = {ServeCommand.class, LocalClusterCommand.class, GetCommand.class, ParseCommand.class,
        BenchCommand.class, WatchCommand.class, StressCommand.class})
public final class Main implements Runnable {
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
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      cmd.setDefaultValueProvider(ConfigDefaults.load(args, env, configKeys(cmd)));
    } catch (IllegalArgumentException e) {
      err.println("tso4j: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    boolean debug = "1".equals(env.get("TSO4J_DEBUG"));
    cmd.setExecutionExceptionHandler(new ErrorHandler(debug));
    cmd.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("tso4j: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
          + " --help' for more information.");
      return ExitCodes.USAGE;
    });
    return cmd.execute(args);
  }

  /** The keys a config file may set: the long names, without dashes, of the options of every command. */
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
