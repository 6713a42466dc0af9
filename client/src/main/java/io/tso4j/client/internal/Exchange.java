package io.tso4j.client.internal;

import io.grpc.MethodDescriptor;

/**
 * One kind of request a {@link RetryingCall} sends: the method, the request, and how a response is checked and
 * turned into the call's result. Implementations are immutable or thread-safe.
 *
 * @param <ReqT> the request message
 * @param <RespT> the response message
 * @param <T> the call's result
 */
interface Exchange<ReqT, RespT, T> {
  /** The gRPC method. */
  MethodDescriptor<ReqT, RespT> method();

  /** The request to send (the same for every attempt of the call). */
  ReqT request();

  /**
   * Checks the response that {@code endpoint} sent and returns the result.
   *
   * @throws io.tso4j.client.TsoException if the response must not be returned; the call fails with it
   */
  T accept(String endpoint, RespT response);

  /** A short description for error messages, e.g. {@code GetTimestamp(count=5)}. */
  String describe();
}
