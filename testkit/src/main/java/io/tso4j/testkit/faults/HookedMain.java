package io.tso4j.testkit.faults;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The testkit's entry point for a node under fault injection: installs the in-JVM fault hooks, then runs a stock main
 * class unchanged. {@code java -cp CP io.tso4j.testkit.faults.HookedMain --node-id n1 --fault-control-file F --
 * io.tso4j.cli.Main serve --id n1 ...}.
 *
 * <p>The hooks are {@link RaftFaultInjection}'s (Raft message partitions, slow log writes), driven by a
 * {@link FaultControlFile} that the nemesis rewrites. A stock {@code tso4j serve} is exactly the target main without
 * this wrapper: none of its flags, environment variables or config keys reach these hooks.
 */
public final class HookedMain {
  private HookedMain() {
  }

  /**
   * Parses {@code --node-id ID --fault-control-file PATH -- MAIN_CLASS ARGS...}, starts the fault-control poller and
   * calls {@code MAIN_CLASS.main(ARGS)} on this thread.
   */
  public static void main(String[] args) throws Throwable {
    String nodeId = null;
    Path file = null;
    int i = 0;
    for (; i < args.length && !args[i].equals("--"); i++) {
      if (args[i].equals("--node-id") && i + 1 < args.length) {
        nodeId = args[++i];
      } else if (args[i].equals("--fault-control-file") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else {
        usage("unknown argument " + args[i]);
      }
    }
    if (nodeId == null || file == null || i + 1 >= args.length) {
      usage("missing --node-id, --fault-control-file or the main class after --");
    }
    String mainClass = args[i + 1];
    String[] rest = Arrays.copyOfRange(args, i + 2, args.length);
    FaultControlFile faults = new FaultControlFile(nodeId, file).start();
    faults.poll();
    MethodHandle main = MethodHandles.publicLookup().findStatic(Class.forName(mainClass), "main",
        MethodType.methodType(void.class, String[].class));
    main.invoke(rest);
  }

  private static void usage(String why) {
    System.err.println("HookedMain: " + why + "; usage: --node-id ID --fault-control-file PATH -- MAIN_CLASS ARGS...");
    System.exit(2);
  }
}
