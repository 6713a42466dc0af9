package io.tso4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TsoClientBuilderTest {
  @Test
  void buildsWithDefaults() {
    try (TsoClient c = TsoClient.newBuilder().endpoints("127.0.0.1:7001", "[::1]:7002").build()) {
      assertThat(c.endpoints()).containsExactly("127.0.0.1:7001", "[::1]:7002");
      assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(5));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "localhost:", ":7001", "host:0", "host:65536", "host:abc", "::1:7001"})
  void rejectsAMalformedEndpointNamingIt(String endpoint) {
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("127.0.0.1:7001", endpoint).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"" + endpoint + "\"");
  }

  @Test
  void rejectsNoEndpointsNullsAndRepeats() {
    assertThatThrownBy(() -> TsoClient.newBuilder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints(Arrays.asList("a:1", null)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1", "a:1").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a:1");
  }

  @Test
  void rejectsBadTimeoutsAndBackoffNamingTheValue() {
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1").callTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callTimeout").hasMessageContaining("PT0S");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1").callTimeout(null).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callTimeout");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1").attemptTimeout(Duration.ofMillis(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attemptTimeout");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1").maxRedirects(-1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> TsoClient.newBuilder().endpoints("a:1")
        .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(10)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoffMax");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 262145})
  void rejectsACountOutsideTheRangeBeforeAnyCall(int n) {
    try (TsoClient c = TsoClient.newBuilder().endpoints("127.0.0.1:1").build()) {
      assertThatThrownBy(() -> c.getTimestamps(n))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was " + n);
      assertThatThrownBy(() -> c.getTimestampsAsync(n)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
