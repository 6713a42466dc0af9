/**
 * {@code tso4j stress}: a nemesis stress test of a 3-node cluster run as separate processes on loopback, with clients
 * calling continuously, faults injected on a seeded schedule, every call recorded, and a checker of real-time order,
 * uniqueness and well-formed ranges over the recorded history.
 *
 * <p>Pieces: {@link io.tso4j.testkit.stress.StressRun} (orchestration), {@link io.tso4j.testkit.stress.StressCluster} and {@link
 * io.tso4j.testkit.stress.ServerProcess} (the processes and their fault-control files), {@link io.tso4j.testkit.stress.Nemesis} (the
 * fault schedule), {@link io.tso4j.testkit.stress.Workload} and {@link io.tso4j.testkit.stress.History} (the clients and the record),
 * {@link io.tso4j.testkit.stress.HistoryChecker} (the checker), {@link io.tso4j.testkit.stress.StressReport} (the figures).
 */
package io.tso4j.testkit.stress;
