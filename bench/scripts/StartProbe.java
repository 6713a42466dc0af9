import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tso4j.proto.v1.GetTimestampRequest;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Start time of a command that brings up tso4j nodes (docs/reliability.md, "Restart time"): runs the command SAMPLES
 * times, each time measuring from just before the exec to the first GetTimestamp that any of ENDPOINTS answers with a
 * timestamp (polled every 10 ms, gRPC reconnect backoff reset before every call, so the probe's own JVM start and
 * backoff never count). Each run must stop by itself (e.g. {@code local-cluster --run-for 6s}); it is killed after
 * 60 s. DIR, if given, is deleted before every run (a first start on an empty data directory).
 *
 * <pre>
 * java -cp "cli/target/tso4j-cli-0.1.0-SNAPSHOT.jar:cli/target/lib/*" bench/scripts/StartProbe.java \
 *   SAMPLES ENDPOINTS DIR -- bin/tso4j local-cluster --nodes 3 --data-dir DIR --run-for 6s
 * </pre>
 */
public final class StartProbe {
  public static void main(String[] args) throws Exception {
    int dash = Arrays.asList(args).indexOf("--");
    if (dash < 2) {
      System.err.println("usage: StartProbe SAMPLES HOST:PORT,... [DIR] -- COMMAND...");
      System.exit(2);
    }
    int samples = Integer.parseInt(args[0]);
    List<ManagedChannel> channels = new ArrayList<>();
    for (String e : args[1].split(",")) {
      channels.add(ManagedChannelBuilder.forTarget(e).usePlaintext().build());
    }
    Path dir = dash > 2 ? Path.of(args[2]) : null;
    List<String> cmd = Arrays.asList(args).subList(dash + 1, args.length);
    List<Long> firsts = new ArrayList<>();
    for (int s = 0; s < samples; s++) {
      if (dir != null && Files.exists(dir)) {
        try (var w = Files.walk(dir)) {
          w.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(new File("/tmp/startprobe-" + s + ".log"));
      long t0 = System.nanoTime();
      Process p = pb.start();
      long first = -1;
      while (first < 0 && p.isAlive() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
        long before = System.nanoTime();
        for (ManagedChannel ch : channels) {
          ch.resetConnectBackoff();
          try {
            TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .getTimestamp(GetTimestampRequest.newBuilder().setCount(1).build());
            first = (System.nanoTime() - t0) / 1_000_000;
            break;
          } catch (RuntimeException e) {
            // not up or not serving yet
          }
        }
        long left = TimeUnit.MILLISECONDS.toNanos(10) - (System.nanoTime() - before);
        if (first < 0 && left > 0) {
          TimeUnit.NANOSECONDS.sleep(left);
        }
      }
      System.out.println("sample " + (s + 1) + ": first served timestamp " + first + " ms after the exec");
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
      if (first >= 0) {
        firsts.add(first);
      }
    }
    Collections.sort(firsts);
    if (!firsts.isEmpty()) {
      System.out.println("n=" + firsts.size() + " min=" + firsts.get(0) + " p50=" + firsts.get((firsts.size() - 1) / 2)
          + " max=" + firsts.get(firsts.size() - 1) + " ms");
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
