package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The leader cache never moves back by term, whatever it is told and in whatever order. */
final class LeaderCacheProperties {
  /** One thing the cache can be told. */
  private record Op(int kind, long term, String id, String endpoint) {
    boolean apply(LeaderCache cache) {
      switch (kind) {
        case 0:
          return cache.offerHint(term, id, endpoint);
        case 1:
          return cache.confirmServed(term, endpoint);
        default:
          return cache.forget(endpoint);
      }
    }
  }

  @Property(tries = 500)
  void theTermNeverGoesBack(@ForAll("operations") List<Op> ops) {
    LeaderCache cache = new LeaderCache();
    long highest = -1;
    for (Op op : ops) {
      KnownLeader before = cache.current();
      boolean changed = op.apply(cache);
      KnownLeader after = cache.current();

      assertThat(after.term()).isGreaterThanOrEqualTo(before.term());
      assertThat(changed).isEqualTo(!after.equals(before));
      if (op.kind() != 2 && op.term() < before.term()) {
        assertThat(after).as("a lower term is ignored: %s", op).isEqualTo(before);
      }
      if (op.kind() != 2) {
        highest = Math.max(highest, op.term());
      }
      assertThat(after.term()).as("the term is the highest offered so far").isEqualTo(highest);
    }
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Op> op = Combinators.combine(
        Arbitraries.integers().between(0, 2),
        Arbitraries.longs().between(0, 8),
        Arbitraries.of("n1", "n2", "n3", ""),
        Arbitraries.of("h:1", "h:2", "h:3", ""))
        .as(Op::new);
    return op.list().ofMaxSize(40);
  }
}
