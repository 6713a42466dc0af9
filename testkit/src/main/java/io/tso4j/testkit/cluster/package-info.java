/**
 * In-process cluster harnesses for tests: {@link io.tso4j.testkit.cluster.RatisTestCluster} runs N Ratis-backed
 * oracles on loopback with kill, restart and isolate.
 */
package io.tso4j.testkit.cluster;
