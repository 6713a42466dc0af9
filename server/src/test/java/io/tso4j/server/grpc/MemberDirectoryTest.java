package io.tso4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class MemberDirectoryTest {
  @Test
  void resolvesKnownEndpointsAndKeepsTheOrder() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("n2", "127.0.0.1:7002");
    m.put("n1", "");
    m.put("n3", "127.0.0.1:7003");

    MemberDirectory d = MemberDirectory.of("n1", m);

    assertThat(d.localId()).isEqualTo("n1");
    assertThat(d.endpointOf("n2")).contains("127.0.0.1:7002");
    assertThat(d.endpointOf("n1")).isEmpty();
    assertThat(d.endpointOf("n9")).isEmpty();
    assertThat(d.members().keySet()).containsExactly("n2", "n1", "n3");
  }

  @Test
  void isACopyThatCannotBeChanged() {
    Map<String, String> m = new HashMap<>(Map.of("n1", "127.0.0.1:7001"));
    MemberDirectory d = MemberDirectory.of("n1", m);
    m.put("n2", "x:1");

    assertThat(d.contains("n2")).isFalse();
    assertThatThrownBy(() -> d.members().put("n3", "y:1")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(d.withEndpoint("n2", "127.0.0.1:7002").endpointOf("n2")).contains("127.0.0.1:7002");
    assertThat(d.contains("n2")).isFalse();
  }

  @Test
  void rejectsALocalIdThatIsNotAMember() {
    assertThatThrownBy(() -> MemberDirectory.of("n3", Map.of("n1", "")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n3");
  }

  @Test
  void rejectsBlankIdsAndNullEndpoints() {
    Map<String, String> nullEndpoint = new HashMap<>();
    nullEndpoint.put("n1", null);

    assertThatThrownBy(() -> MemberDirectory.of(" ", Map.of(" ", "")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("localId");
    assertThatThrownBy(() -> MemberDirectory.of("n1", nullEndpoint))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n1");
  }

  @Test
  void aNodeOutsideTheConfigurationSeesTheMembersWithoutItself() {
    MemberDirectory removed = MemberDirectory.observedBy("n1", Map.of("n2", "127.0.0.1:7002"));
    assertThat(removed.localId()).isEqualTo("n1");
    assertThat(removed.members()).containsOnlyKeys("n2");
    assertThat(removed.contains("n1")).isFalse();
    MemberDirectory member = MemberDirectory.observedBy("n2", Map.of("n2", "127.0.0.1:7002"));
    assertThat(member).isEqualTo(MemberDirectory.of("n2", Map.of("n2", "127.0.0.1:7002")));
    assertThat(member.current()).isSameAs(member);
  }
}
