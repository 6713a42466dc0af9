package io.tso4j.cli;

import io.tso4j.timestamp.Timestamp;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tso4j parse TS}: prints the physical time and logical part of a timestamp. */
@Command(name = "parse", mixinStandardHelpOptions = true,
    description = "Print the physical time and logical part of a timestamp.")
final class ParseCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "TS", description = "Timestamp(s) as 64-bit decimal values.")
  String[] values;

  @Option(names = "--json", description = "Print JSON lines.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    for (String v : values) {
      Timestamp ts;
      try {
        ts = Timestamp.fromLong(Long.parseLong(v.trim()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(),
            "not a timestamp: '" + v + "' (expected a non-negative 64-bit decimal number)");
      }
      out.println(TimestampFormat.describe(ts, json));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
