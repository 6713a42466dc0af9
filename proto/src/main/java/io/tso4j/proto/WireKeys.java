package io.tso4j.proto;

import io.grpc.Metadata;
import io.grpc.protobuf.ProtoUtils;
import io.tso4j.timestamp.Timestamp;
import io.tso4j.proto.v1.LeaderHint;

/**
 * The wire constants that the tso4j server and client must agree on: metadata keys and request limits.
 *
 * <p>Internal API: public only so that the server module can share it; not for applications. Thread-safe (constants
 * only).
 */
public final class WireKeys {
  /** The name of the trailer that carries a {@link LeaderHint} on a retryable error. */
  public static final String LEADER_HINT_NAME = "tso4j-leader-hint-bin";

  /** The trailer key of the {@link LeaderHint} sent with a retryable (UNAVAILABLE) error. */
  public static final Metadata.Key<LeaderHint> LEADER_HINT =
      Metadata.Key.of(LEADER_HINT_NAME, ProtoUtils.metadataMarshaller(LeaderHint.getDefaultInstance()));

  /** The smallest count one request may ask for. */
  public static final int MIN_COUNT = 1;

  /** The largest count one request may ask for, 262,144 (one physical millisecond). */
  public static final int MAX_COUNT = Timestamp.PER_MILLISECOND;

  private WireKeys() {
  }
}
