package io.tso4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The secure-by-default rule and the validation of {@link NodeSecurity}. */
final class NodeSecurityTest {
  private static final TlsFiles CLIENT = TlsFiles.of(Path.of("c.pem"), Path.of("c.key"));
  private static final TlsFiles PEER = TlsFiles.mutual(Path.of("p.pem"), Path.of("p.key"), Path.of("ca.pem"));

  private static Optional<String> missing(NodeSecurity s, String clientHost, String raftHost) {
    return s.missingTls(clientHost, raftHost, "CLIENT-FLAGS", "PEER-FLAGS");
  }

  @Test
  void loopbackNeedsNoTls() {
    NodeSecurity plain = NodeSecurity.plaintext();
    assertThat(missing(plain, "127.0.0.1", "127.0.0.1")).isEmpty();
    assertThat(missing(plain, "127.0.0.2", "localhost")).isEmpty();
    assertThat(missing(plain, "::1", "127.0.0.1")).isEmpty();
  }

  @Test
  void anExposedPortWithoutTlsIsNamedWithItsFlags() {
    NodeSecurity plain = NodeSecurity.plaintext();
    assertThat(missing(plain, "10.0.0.1", "127.0.0.1")).hasValue("the client port on 10.0.0.1 needs CLIENT-FLAGS");
    assertThat(missing(plain, "127.0.0.1", "10.0.0.1")).hasValue("the Raft port on 10.0.0.1 needs PEER-FLAGS");
    assertThat(missing(plain, "0.0.0.0", "10.0.0.1")).hasValue(
        "the client port on 0.0.0.0 needs CLIENT-FLAGS; the Raft port on 10.0.0.1 needs PEER-FLAGS");
    assertThat(missing(plain, "no-such-host.invalid", "127.0.0.1")).isPresent();
  }

  @Test
  void tlsOnAPortSatisfiesTheRuleForThatPortOnly() {
    assertThat(missing(NodeSecurity.plaintext().withClientTls(CLIENT), "10.0.0.1", "10.0.0.1"))
        .hasValue("the Raft port on 10.0.0.1 needs PEER-FLAGS");
    assertThat(missing(NodeSecurity.plaintext().withPeerTls(PEER), "10.0.0.1", "10.0.0.1"))
        .hasValue("the client port on 10.0.0.1 needs CLIENT-FLAGS");
    assertThat(missing(NodeSecurity.plaintext().withClientTls(CLIENT).withPeerTls(PEER), "10.0.0.1", "10.0.0.1"))
        .isEmpty();
  }

  @Test
  void peerTlsIsAlwaysMutualAndThePeriodPositive() {
    assertThatThrownBy(() -> NodeSecurity.plaintext().withPeerTls(CLIENT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peer CA file is required");
    assertThatThrownBy(() -> NodeSecurity.plaintext().withTlsRefreshPeriod(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(NodeSecurity.plaintext().reflection()).isTrue();
  }
}
