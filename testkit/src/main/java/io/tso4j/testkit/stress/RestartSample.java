package io.tso4j.testkit.stress;

/**
 * One restart of the restart scenario (kill -9, started again at once); times in ms from just before the exec.
 *
 * @param node the node killed and restarted
 * @param wasLeader whether it served when it was killed
 * @param cds whether the new JVM mapped the class-data sharing archive
 * @param answerMillis exec to the first GetMembers answer (-1 if none within the timeout)
 * @param followMillis exec to the first answer naming the current leader and its term, or serving (-1 if none)
 * @param term the term it reported following
 * @param osStartMillis exec to the process start time the OS records (clock ticks; -1 if unknown)
 * @param logMainMillis exec to the node's first log line (its main method runs: the fault hooks), -1 if absent
 * @param logRatisMillis exec to the state machine's initialisation ("starting from the log" or "loaded snapshot")
 * @param logDriverMillis exec to "Ratis driver started"
 * @param logTermMillis exec to the first serving-state line with the term it follows (it heard from the leader)
 * @param cpuMillis CPU time (user + system) the new process had used when it was seen following (-1 if unknown): a
 *     figure that depends less on the machine's load than the wall times
 */
public record RestartSample(String node, boolean wasLeader, boolean cds, long answerMillis, long followMillis,
    long term, long osStartMillis, long logMainMillis, long logRatisMillis, long logDriverMillis, long logTermMillis,
    long cpuMillis) {
}

