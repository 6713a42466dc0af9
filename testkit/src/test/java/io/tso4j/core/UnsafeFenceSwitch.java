package io.tso4j.core;

/**
 * Reaches the package-private positive-control switch of the fence from the testkit's cluster tests: an oracle with
 * it set skips its lease wait without a lease release (docs/correctness.md H2). Test code only.
 */
public final class UnsafeFenceSwitch {
  private UnsafeFenceSwitch() {
  }

  /** From now on, {@code oracle}'s fences skip the lease wait as if the register said the lease was released. */
  public static void skipLeaseWaitWithoutRelease(TimestampOracle oracle) {
    oracle.unsafeSkipLeaseWaitWithoutRelease();
  }
}
