/**
 * The tso4j.v1 gRPC services over a {@link io.tso4j.core.TimestampOracle}: timestamps ({@link
 * io.tso4j.server.grpc.TsoGrpcService}), the serving-state watch, and the one place that maps refusals to gRPC
 * statuses ({@link io.tso4j.server.grpc.StatusMapper}). No Ratis type appears here.
 */
package io.tso4j.server.grpc;
