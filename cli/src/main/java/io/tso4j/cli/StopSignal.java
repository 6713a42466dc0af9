package io.tso4j.cli;

import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits for SIGTERM or SIGINT (Ctrl-C), so that a command can stop cleanly and exit with code 0.
 *
 * <p>The signals are caught with {@code sun.misc.Signal} (module jdk.unsupported), reached reflectively so that the
 * build stays free of internal-API warnings; where that is not possible, a shutdown hook releases the wait instead
 * (the JVM then exits with 143 as usual).
 */
final class StopSignal {
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile String reason = "stopped";

  /** Installs the handlers. */
  StopSignal() {
    boolean handled = true;
    for (String name : new String[] {"TERM", "INT"}) {
      handled &= handle(name);
    }
    if (!handled) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> release("shutdown"), "tso4j-stop"));
    }
  }

  /** {@code sun.misc.Signal.handle(new Signal(name), s -> release("SIG" + name))}; false if not possible. */
  private boolean handle(String name) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) -> {
        if (method.getName().equals("handle")) {
          release("SIG" + name);
        }
        return null;
      });
      signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance(name), h);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Ends the wait (also used when the node stops on its own, e.g. a fatal error). */
  void release(String why) {
    reason = why;
    stop.countDown();
  }

  /** Waits until released. */
  void await() throws InterruptedException {
    stop.await();
  }

  /** Waits until released or the timeout passes; returns whether it was released. */
  boolean await(long millis) throws InterruptedException {
    return stop.await(millis, TimeUnit.MILLISECONDS);
  }

  /** What released the wait. */
  String reason() {
    return reason;
  }
}
