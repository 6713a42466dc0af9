package io.tso4j.examples.standaloneclient;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client application's use of a {@code tso4j serve} cluster: stamps records with commit timestamps, a batch at a
 * time (one call for the whole batch), with a deadline on every call, and decides what to do when the TSO is away.
 */
public final class StampingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StampingService.class);

  private final TsoClient client;

  /** A service over the cluster at {@code endpoints}; every call gives up after {@code deadline}. */
  public StampingService(List<String> endpoints, Duration deadline) {
    this.client = TsoClient.newBuilder().endpoints(endpoints).callTimeout(deadline).build();
  }

  /** A record with its commit timestamp. */
  public record Stamped(String record, Timestamp ts) {
  }

  /**
   * Stamps every record with its own timestamp from one range (a single call, however long the batch, up to 262,144).
   *
   * @throws TsoException if no range could be obtained within the deadline
   */
  public List<Stamped> stampBatch(List<String> records) {
    if (records.isEmpty()) {
      return List.of();
    }
    TimestampRange range = client.getTimestamps(records.size());
    List<Stamped> out = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      out.add(new Stamped(records.get(i), range.get(i)));
    }
    return out;
  }

  /**
   * One timestamp, or empty if the TSO cannot be reached in time: the caller may queue the work and try later. A
   * broken order guarantee or a bad argument is a bug, not an outage, and is rethrown.
   */
  public Optional<Timestamp> tryTimestamp() {
    try {
      return Optional.of(client.getTimestamp());
    } catch (TsoUnavailableException | TsoDeadlineExceededException e) {
      LOG.warn("TSO not available, deferring: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** One timestamp without blocking; the future fails with a {@link TsoException} after the deadline. */
  public CompletableFuture<Timestamp> timestampAsync() {
    return client.getTimestampAsync();
  }

  /** Closes the client. */
  @Override
  public void close() {
    client.close();
  }
}
