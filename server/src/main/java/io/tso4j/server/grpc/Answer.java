package io.tso4j.server.grpc;

import io.grpc.StatusRuntimeException;
import io.tso4j.proto.v1.GetTimestampResponse;

/**
 * Where the answer to one timestamp request goes: exactly one of {@link #served} or {@link #refused}, from the
 * transport thread at once or later from the {@link RequestHold} timer thread, never both and never twice.
 */
interface Answer {
  /** The request was served with {@code response}. */
  void served(GetTimestampResponse response);

  /** The request was refused with {@code status}. */
  void refused(StatusRuntimeException status);

  /** Whether the caller is gone (cancelled), so a held request need not be tried again. */
  boolean abandoned();
}
