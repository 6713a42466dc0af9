package io.tso4j.server;

import io.tso4j.ratis.embed.EmbeddedTso;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.TsoGrpcServer;
import io.tso4j.server.grpc.TsoGrpcService;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * tso4j's gRPC API in front of an {@link EmbeddedTso}, so that {@code io.tso4j.client.TsoClient}s can reach an oracle
 * that runs inside a host application. The embedding module itself has no gRPC; this is the one place that joins the
 * two.
 */
public final class EmbeddedGrpc {
  private EmbeddedGrpc() {
  }

  /**
   * Serves {@code tso}'s oracle on {@code host:port} (0 = a free port) and returns the started server (its {@link
   * TsoGrpcServer#endpoint()} is the bound address). Leader hints name the endpoints given to the builder's {@code
   * clientEndpoint}; this node's own is {@code host:port} unless given there (with port 0: unknown to the others). Close the
   * server before the TSO.
   *
   * @throws IOException naming the address if it cannot be bound
   */
  public static TsoGrpcServer start(EmbeddedTso tso, String host, int port) throws IOException {
    Map<String, String> endpoints = new LinkedHashMap<>();
    for (String member : tso.memberIds()) {
      endpoints.put(member, tso.clientEndpoints().getOrDefault(member, ""));
    }
    endpoints.putIfAbsent(tso.nodeId(), "");
    if (!tso.clientEndpoints().containsKey(tso.nodeId()) && port != 0) {
      endpoints.put(tso.nodeId(), host + ":" + port);
    }
    MemberDirectory directory = MemberDirectory.of(tso.nodeId(), endpoints);
    return new TsoGrpcServer(host, port, new TsoGrpcService(tso.oracle(), directory)).start();
  }
}
