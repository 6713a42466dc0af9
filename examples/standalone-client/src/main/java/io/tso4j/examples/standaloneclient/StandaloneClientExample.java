package io.tso4j.examples.standaloneclient;

import java.time.Duration;
import java.util.List;

/**
 * A client of a running {@code tso4j serve} (or {@code tso4j local-cluster}) cluster. Usage: {@code
 * StandaloneClientExample host:port[,host:port...]} (default {@code 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003}).
 */
public final class StandaloneClientExample {
  private StandaloneClientExample() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    String list = args.length > 0 ? args[0] : "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";
    try (StampingService service = new StampingService(List.of(list.split(",")), Duration.ofSeconds(2))) {
      service.stampBatch(List.of("order-1", "order-2", "order-3"))
          .forEach(s -> System.out.println(s.record() + " @ " + s.ts()));
      System.out.println("async: " + service.timestampAsync().get());
      System.out.println("single (empty if the TSO is down): " + service.tryTimestamp());
    }
  }
}
