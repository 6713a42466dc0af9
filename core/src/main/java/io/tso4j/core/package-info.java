/**
 * The oracle core: the lock-free {@link io.tso4j.core.TimestampAllocator}, the leader watch that fences every new term
 * and keeps the lease, the {@link io.tso4j.core.ConsensusDriver} SPI that consensus implementations provide, and the
 * injected {@link io.tso4j.core.TsoClock}. {@link io.tso4j.core.TimestampOracle} joins them into the in-process API.
 *
 * <p>Module {@code tso4j-core}: depends on tso4j-timestamp, slf4j-api and resilience4j-core (the fence's backoff)
 * only. It must never import Ratis, gRPC, Netty or protobuf (enforced by the build): every consensus- or wire-specific
 * type stays in the rooms above it, so the core can be tested with a manual clock and an in-memory driver.
 */
package io.tso4j.core;
