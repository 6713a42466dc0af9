package io.tso4j.cli;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tso4j get}: asks a cluster for timestamps and prints them. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Get timestamps from a tso4j cluster and print them with their physical time and logical part.")
final class GetCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOption configOption;

  @Option(names = "--endpoints", required = true, split = ",", paramLabel = "HOST:PORT",
      description = "Client endpoints of the cluster, comma-separated (env TSO4J_ENDPOINTS).")
  String[] endpoints;

  @Option(names = "--count", defaultValue = "1", paramLabel = "N",
      description = "How many timestamps, 1..262144 (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--timeout", defaultValue = "5s", converter = DurationConverter.class,
      description = "Deadline of the call (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Mixin
  ClientTlsOptions tls;

  @Override
  public Integer call() {
    if (count < 1 || count > Timestamp.PER_MILLISECOND) {
      throw new ParameterException(spec.commandLine(),
          "--count must be in 1.." + Timestamp.PER_MILLISECOND + ", was " + count);
    }
    PrintWriter out = spec.commandLine().getOut();
    TsoClient client;
    try {
      client = tls.applyTo(TsoClient.newBuilder().endpoints(Arrays.asList(endpoints)).callTimeout(timeout)).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try (client) {
      TimestampRange range = client.getTimestamps(count);
      print(out, range);
      return ExitCodes.OK;
    } catch (TsoException e) {
      throw new CliException(ExitCodes.FAILED, "get failed: " + e.getMessage(), e);
    }
  }

  private void print(PrintWriter out, TimestampRange range) {
    Timestamp first = range.first();
    Timestamp last = range.last();
    if (json) {
      out.println("{\"first\":" + first.toLong() + ",\"last\":" + last.toLong() + ",\"count\":" + range.count()
          + ",\"term\":" + range.term() + ",\"physical_ms\":" + first.physicalMillis() + ",\"time\":\""
          + first.toInstant() + "\",\"first_logical\":" + first.logical() + ",\"last_logical\":" + last.logical()
          + "}");
    } else if (range.count() == 1) {
      out.println(TimestampFormat.describe(first, false));
    } else {
      out.println(TimestampFormat.describe(first, false));
      if (range.count() > 2) {
        out.println("... " + (range.count() - 2) + " more ...");
      }
      out.println(TimestampFormat.describe(last, false));
      out.println(range.count() + " timestamps, term " + range.term());
    }
    out.flush();
  }
}
