package io.tso4j.client;

/**
 * What {@link WithoutMicrometerTest} runs inside a class loader that has no Micrometer: a client against a fake
 * server, sync and async calls, close. Public so that the test can call it reflectively.
 */
public final class NoMicrometerScenario {
  private NoMicrometerScenario() {
  }

  /**
   * Runs the scenario; returns what it got. The deadlines are generous: a fresh class loader initializes the whole
   * gRPC stack again, which on a loaded machine takes seconds, and this is about class loading, not time.
   */
  public static String run() throws Exception {
    java.time.Duration patient = java.time.Duration.ofSeconds(30);
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, 1_700_000_000_000L));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(patient)
            .attemptTimeout(patient).build()) {
      long a = client.getTimestamp().toLong();
      long b = client.getTimestampsAsync(3).get().first().toLong();
      return a < b ? "ok " + a + " " + b : "out of order " + a + " " + b;
    }
  }

  /** Tries to bind the client's metrics (must fail without Micrometer). */
  public static void bindMetrics() throws Exception {
    try (FakeOracle fake = new FakeOracle(FakeOracle.serving(1, 1_700_000_000_000L));
        TsoClient client = TsoClient.newBuilder().endpoints(fake.endpoint()).build()) {
      new TsoClientMetrics(client);
    }
  }
}
