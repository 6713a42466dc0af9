package io.tso4j.cli;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tso4j.proto.v1.ServingStateEvent;
import io.tso4j.proto.v1.ServingStateWatchGrpc;
import io.tso4j.proto.v1.WatchServingStateRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tso4j watch}: prints the serving-state changes of one node as they happen. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Stream the serving state of one tso4j node (serving / not serving / frozen, term, leader), one line"
        + " per change, each with its sequence number. RESYNC means events were missed; the current state follows.")
final class WatchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--endpoint", required = true, paramLabel = "HOST:PORT", description = "The node's client endpoint.")
  String endpoint;

  @Option(names = "--since", defaultValue = "0", paramLabel = "N",
      description = "Replay the changes after sequence N (0: start with the current state).")
  long since;

  @Option(names = "--incarnation", defaultValue = "", paramLabel = "ID",
      description = "The incarnation the --since sequence came from; another one means RESYNC.")
  String incarnation;

  @Option(names = "--max-events", defaultValue = "0", paramLabel = "N",
      description = "Stop after N events (0: until the stream ends or Ctrl-C).")
  long maxEvents;

  @Option(names = "--timeout", defaultValue = "0s", converter = DurationConverter.class,
      description = "Stop after this long (0s: no limit).")
  Duration timeout;

  @Mixin
  ClientTlsOptions tls;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ManagedChannel channel = Grpc.newChannelBuilder(endpoint, tls.credentials()).build();
    try {
      ServingStateWatchGrpc.ServingStateWatchBlockingStub stub = ServingStateWatchGrpc.newBlockingStub(channel);
      if (!timeout.isZero()) {
        stub = stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      Iterator<ServingStateEvent> events = stub.watchServingState(WatchServingStateRequest.newBuilder()
          .setSinceSequence(since).setIncarnation(incarnation).build());
      long n = 0;
      while (events.hasNext()) {
        out.println(format(events.next()));
        out.flush();
        if (maxEvents > 0 && ++n >= maxEvents) {
          return ExitCodes.OK;
        }
      }
      return ExitCodes.OK;
    } catch (StatusRuntimeException e) {
      if (!timeout.isZero() && e.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
        return ExitCodes.OK;
      }
      throw new CliException(ExitCodes.FAILED, "watch of " + endpoint + " failed: " + e.getStatus(), e);
    } finally {
      channel.shutdownNow();
    }
  }

  /** One event as one line. */
  static String format(ServingStateEvent e) {
    String kind = e.getKind() == ServingStateEvent.Kind.KIND_RESYNC ? "RESYNC" : "STATE";
    String status = e.getStatus().name().replace("SERVING_STATUS_", "");
    StringBuilder b = new StringBuilder();
    b.append('#').append(e.getSequence()).append(' ').append(kind);
    if (e.getKind() != ServingStateEvent.Kind.KIND_RESYNC) {
      b.append(' ').append(status).append(" term=").append(e.getTerm());
      if (!e.getLeader().getId().isEmpty()) {
        b.append(" leader=").append(e.getLeader().getId());
        if (!e.getLeader().getEndpoint().isEmpty()) {
          b.append('@').append(e.getLeader().getEndpoint());
        }
      } else {
        b.append(" leader=?");
      }
    }
    b.append(" node=").append(e.getNodeId()).append(" at=").append(Instant.ofEpochMilli(e.getAtUnixMs()))
        .append(" incarnation=").append(e.getIncarnation());
    return b.toString();
  }
}
