package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Eager validation and defaults of the driver configuration. */
final class RatisDriverConfigTest {
  private static RatisDriverConfig.Builder valid() {
    return RatisDriverConfig.builder().nodeId("b").peer("a", "127.0.0.1:7001").peer("b", "127.0.0.1:7002")
        .peer("c", "127.0.0.1:7003").dataDir(Path.of("data"));
  }

  @Test
  void defaultsAndDerivedValues() {
    RatisDriverConfig c = valid().build();
    assertThat(c.peers().keySet()).containsExactly("a", "b", "c");
    assertThat(c.rpcTimeoutMin()).isEqualTo(Duration.ofMillis(200));
    assertThat(c.rpcTimeoutMax()).isEqualTo(Duration.ofMillis(400));
    assertThat(c.leaseDuration()).isEqualTo(Duration.ofMillis(160));
    assertThat(c.groupId()).isEqualTo(RatisDriverConfig.DEFAULT_GROUP_ID);
    assertThat(c.snapshotThreshold()).isEmpty();
    assertThat(c.localHost()).isEqualTo("127.0.0.1");
    assertThat(c.localPort()).isEqualTo(7002);
    assertThat(valid().build()).isEqualTo(c);
  }

  @Test
  void peersAreCopiedAndImmutable() {
    RatisDriverConfig c = valid().build();
    assertThatThrownBy(() -> c.peers().put("d", "127.0.0.1:1")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> valid().nodeId("z").build()).hasMessageContaining("nodeId z");
    assertThatThrownBy(() -> valid().nodeId("bad id").build()).hasMessageContaining("bad id");
    assertThatThrownBy(() -> valid().peer("c", "nohost").build()).hasMessageContaining("nohost");
    assertThatThrownBy(() -> valid().peer("c", "h:70000").build()).hasMessageContaining("h:70000");
    assertThatThrownBy(() -> valid().peer("c", "h:x").build()).hasMessageContaining("h:x");
    assertThatThrownBy(() -> valid().dataDir(null).build()).hasMessageContaining("dataDir");
    assertThatThrownBy(() -> valid().rpcTimeout(Duration.ofMillis(300), Duration.ofMillis(200)).build())
        .hasMessageContaining("PT0.2S").hasMessageContaining("PT0.3S");
    assertThatThrownBy(() -> valid().rpcTimeout(Duration.ZERO, Duration.ofMillis(200)).build())
        .hasMessageContaining("rpcTimeoutMin");
    assertThatThrownBy(() -> valid().snapshotThreshold(0).build()).hasMessageContaining("snapshotThreshold");
    assertThatThrownBy(() -> valid().requestTimeout(Duration.ofMillis(-1)).build())
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> valid().groupId(null).build()).hasMessageContaining("groupId");
    assertThatThrownBy(() -> RatisDriverConfig.builder().nodeId("a").dataDir(Path.of("d")).build())
        .hasMessageContaining("peers");
  }
}
