package io.tso4j.ratis;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;

/**
 * Raw bytes in and out, for the small calls tso4j nodes make to each other on their Raft ports ({@link
 * PeerClockService}, {@link PeerLogService}): no protobuf, a fixed-size reply. A message is read up to {@value
 * #MAX_BYTES} bytes (one more than the largest reply, so that a longer one is seen as wrong, never cut to size).
 */
enum PeerBytes implements MethodDescriptor.Marshaller<byte[]> {
  INSTANCE;

  /** One more than the largest reply of a peer service ({@link PeerLogService}'s 24 bytes). */
  static final int MAX_BYTES = 25;

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readNBytes(MAX_BYTES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
