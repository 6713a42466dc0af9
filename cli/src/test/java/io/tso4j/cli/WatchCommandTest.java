package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.ServingState;
import io.tso4j.core.ServingState.Status;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.ServingStateLog;
import io.tso4j.server.grpc.ServingStateWatchService;
import io.tso4j.server.grpc.TsoGrpcServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code tso4j watch} against a real gRPC server on loopback. */
final class WatchCommandTest {
  @Test
  void printsReplayedChangesWithSequenceNumbersAndResync() throws Exception {
    ServingStateLog log = new ServingStateLog(4, "inc-7", () -> 0L);
    MemberDirectory dir = MemberDirectory.of("n1", Map.of("n1", "127.0.0.1:1", "n2", "127.0.0.1:2"));
    ServingStateWatchService service = new ServingStateWatchService(log, dir);
    log.accept(new ServingState(Status.NOT_SERVING, 1, Optional.of("n2")));
    log.accept(new ServingState(Status.FENCING, 2, Optional.of("n1")));
    log.accept(new ServingState(Status.SERVING, 2, Optional.of("n1")));
    TsoGrpcServer server = new TsoGrpcServer("127.0.0.1", 0, List.of(service), Duration.ZERO).start();
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(new String[] {"watch", "--endpoint", server.endpoint(), "--since", "1", "--max-events", "2"},
          Map.of(), new PrintWriter(out), new PrintWriter(err));
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("#2 STATE FENCING term=2 leader=n1@127.0.0.1:1 node=n1")
          .contains("#3 STATE SERVING term=2").contains("incarnation=inc-7");

      for (int i = 0; i < 6; i++) {
        log.accept(new ServingState(i % 2 == 0 ? Status.FROZEN : Status.SERVING, 2, Optional.empty()));
      }
      StringWriter out2 = new StringWriter();
      code = Main.run(new String[] {"watch", "--endpoint", server.endpoint(), "--since", "1", "--max-events", "2"},
          Map.of(), new PrintWriter(out2), new PrintWriter(err));
      assertThat(code).isZero();
      assertThat(out2.toString()).startsWith("#9 RESYNC").contains("#9 STATE SERVING term=2 leader=?");
    } finally {
      service.close();
      server.close();
    }
  }
}
