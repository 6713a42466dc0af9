package io.tso4j.examples.piggybackkv;

/**
 * A value in the key-value store with the commit timestamp it was written under.
 *
 * @param value the value
 * @param commitTs the packed tso4j timestamp taken for the write
 */
public record StampedValue(String value, long commitTs) {
}
