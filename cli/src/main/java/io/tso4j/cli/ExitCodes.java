package io.tso4j.cli;

/** The exit codes of the {@code tso4j} command. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;
  /** The operation failed at run time (e.g. no node served within the deadline). */
  public static final int FAILED = 1;
  /** Bad flags or arguments (picocli's usage error code). */
  public static final int USAGE = 2;
  /** The node could not start: busy port, unreadable or corrupt data directory, bad peer list. */
  public static final int STARTUP = 3;
  /** The oracle hit a permanent error and stopped (poisoned). */
  public static final int FATAL = 70;

  private ExitCodes() {
  }
}
