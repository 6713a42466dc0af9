package io.tso4j.timestamp;

import java.time.Instant;

/**
 * A tso4j timestamp: a 64-bit value {@code physical_ms << 18 | logical}, ordered by its value.
 *
 * <p>The one rule of the layout: <b>every timestamp is a non-negative {@code long}</b>. The sign bit is always 0,
 * the next 45 bits are milliseconds since the Unix epoch (physical part below 2<sup>45</sup>, good until
 * 3084-12-12T12:41:28.831Z), the low 18 bits a logical counter (262,144 values per millisecond). So the signed
 * order of the 64-bit values is the order of the timestamps, and -1 can never be a timestamp (callers use it as
 * "none"). Timestamps compare by their 64-bit value. Instances are immutable and thread-safe.
 */
public final class Timestamp implements Comparable<Timestamp> {
  /** Bits of the logical part. */
  public static final int LOGICAL_BITS = 18;
  /** Bits of the physical (millisecond) part; with the logical bits they fill 63 bits, leaving the sign bit 0. */
  public static final int PHYSICAL_BITS = 45;
  /** The largest logical value, 262,143. */
  public static final int MAX_LOGICAL = (1 << LOGICAL_BITS) - 1;
  /** How many timestamps fit in one physical millisecond, 262,144; also the largest batch one call may ask for. */
  public static final int PER_MILLISECOND = 1 << LOGICAL_BITS;
  /**
   * The largest physical value, 2<sup>45</sup> − 1 milliseconds since the epoch (3084-12-12T12:41:28.831Z): the
   * largest timestamp, {@code pack(MAX_PHYSICAL, MAX_LOGICAL)}, is {@link Long#MAX_VALUE}.
   */
  public static final long MAX_PHYSICAL = (1L << PHYSICAL_BITS) - 1;

  private final long value;

  private Timestamp(long value) {
    this.value = value;
  }

  /** The timestamp with the given 64-bit value; throws IllegalArgumentException if it is negative. */
  public static Timestamp fromLong(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("timestamp must not be negative: " + value);
    }
    return new Timestamp(value);
  }

  /** The timestamp of a physical millisecond and a logical counter. */
  public static Timestamp of(long physicalMillis, int logical) {
    return new Timestamp(pack(physicalMillis, logical));
  }

  /** Packs a physical millisecond and a logical counter into the 64-bit form, checking both ranges. */
  public static long pack(long physicalMillis, int logical) {
    if (physicalMillis < 0 || physicalMillis > MAX_PHYSICAL) {
      throw new IllegalArgumentException("physical milliseconds out of range [0, " + MAX_PHYSICAL + "]: "
          + physicalMillis);
    }
    if (logical < 0 || logical > MAX_LOGICAL) {
      throw new IllegalArgumentException("logical out of range [0, " + MAX_LOGICAL + "]: " + logical);
    }
    return physicalMillis << LOGICAL_BITS | logical;
  }

  /** The physical part of a packed value, in milliseconds since the epoch. */
  public static long physicalOf(long value) {
    return value >>> LOGICAL_BITS;
  }

  /** The logical part of a packed value. */
  public static int logicalOf(long value) {
    return (int) (value & MAX_LOGICAL);
  }

  /** The 64-bit value. */
  public long toLong() {
    return value;
  }

  /** The physical part, in milliseconds since the Unix epoch. */
  public long physicalMillis() {
    return physicalOf(value);
  }

  /** The logical part, 0..262143. */
  public int logical() {
    return logicalOf(value);
  }

  /** The physical part as an Instant. */
  public Instant toInstant() {
    return Instant.ofEpochMilli(physicalMillis());
  }

  @Override
  public int compareTo(Timestamp other) {
    return Long.compare(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Timestamp && ((Timestamp) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /** The value, then the physical time and the logical part in brackets. */
  @Override
  public String toString() {
    return value + " (" + toInstant() + " logical " + logical() + ")";
  }
}
