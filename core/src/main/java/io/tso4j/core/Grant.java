package io.tso4j.core;

/**
 * A contiguous range of timestamps handed out by the allocator: {@code first .. first + count - 1}, all in one
 * physical millisecond, served by the leader of {@code term}.
 */
public record Grant(long first, int count, long term) {
  /** The last timestamp of the range. */
  public long last() {
    return first + count - 1;
  }
}
