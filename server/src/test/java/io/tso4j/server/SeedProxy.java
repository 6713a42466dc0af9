package io.tso4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a fixed loopback port that stands for a seed name (a DNS name or load balancer): it forwards
 * every new connection to the current target port, which the test can move. Test support; a few threads per
 * connection.
 */
final class SeedProxy implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Map<Integer, AtomicInteger> forwarded =
      new ConcurrentHashMap<>();
  private volatile int targetPort;
  private volatile boolean closed;

  SeedProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "seed-proxy");
    t.setDaemon(true);
    t.start();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** How many connections the proxy has forwarded to {@code port}. */
  int forwardedTo(int port) {
    AtomicInteger n = forwarded.get(port);
    return n == null ? 0 : n.get();
  }

  /** New connections go to {@code port} from now on. */
  void retarget(int port) {
    targetPort = port;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket in = server.accept();
        Socket out;
        try {
          out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException e) {
          in.close();
          continue;
        }
        forwarded.computeIfAbsent(out.getPort(), k -> new AtomicInteger()).incrementAndGet();
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
        int n;
        while ((n = is.read(buf)) >= 0) {
          os.write(buf, 0, n);
          os.flush();
        }
      } catch (IOException e) {
        // Either side went away: close both.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "seed-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    open.forEach(SeedProxy::closeQuietly);
  }
}
