package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class LeaderCacheTest {
  private final LeaderCache cache = new LeaderCache();

  @Test
  void aHigherTermReplacesALowerTermIsIgnored() {
    assertThat(cache.offerHint(3, "n1", "h:1")).isTrue();
    assertThat(cache.offerHint(2, "n2", "h:2")).isFalse();
    assertThat(cache.offerHint(4, "n2", "h:2")).isTrue();

    assertThat(cache.current()).isEqualTo(new KnownLeader(4, "n2", "h:2"));
  }

  @Test
  void theSameTermOnlyFillsInAMissingEndpointOfTheSameLeader() {
    cache.offerHint(3, "n1", "");

    assertThat(cache.offerHint(3, "n2", "h:2")).as("another leader in the same term").isFalse();
    assertThat(cache.offerHint(3, "n1", "h:1")).isTrue();
    assertThat(cache.offerHint(3, "n1", "h:9")).as("endpoint already known").isFalse();
    assertThat(cache.current()).isEqualTo(new KnownLeader(3, "n1", "h:1"));
  }

  @Test
  void forgetDropsTheEndpointButKeepsTheTerm() {
    cache.offerHint(5, "n1", "h:1");

    assertThat(cache.forget("h:2")).isFalse();
    assertThat(cache.forget("h:1")).isTrue();
    assertThat(cache.current()).isEqualTo(new KnownLeader(5, "n1", ""));
    assertThat(cache.offerHint(4, "n3", "h:3")).isFalse();
  }

  @Test
  void aServedResponseProvesItsEndpointInItsTerm() {
    cache.offerHint(5, "n1", "h:1");

    assertThat(cache.confirmServed(5, "h:2")).isTrue();
    assertThat(cache.current()).isEqualTo(new KnownLeader(5, "", "h:2"));
    assertThat(cache.confirmServed(4, "h:3")).isFalse();
  }
}
