package io.tso4j.client.internal;

import io.tso4j.proto.WireKeys;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoInvalidArgumentException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.LeaderHint;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class StatusTranslatorTest {
  private static final String EP = "127.0.0.1:7001";

  @Test
  void unavailableWithAHintIsRetryAndCarriesTheHint() {
    LeaderHint hint = LeaderHint.newBuilder().setId("n2").setEndpoint("127.0.0.1:7002").setTerm(3).build();
    Metadata trailers = new Metadata();
    trailers.put(WireKeys.LEADER_HINT, hint);

    Failure f = StatusTranslator.classify(Status.UNAVAILABLE.withDescription("not serving")
        .asRuntimeException(trailers), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.RETRY);
    assertThat(f.hint()).contains(hint);
    assertThat(f.error()).isInstanceOf(TsoUnavailableException.class).hasMessageContaining(EP)
        .hasMessageContaining("not serving");
  }

  @Test
  void aLocalErrorWithoutStatusIsRetry() {
    Failure f = StatusTranslator.classify(new IOException("boom"), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.RETRY);
    assertThat(f.hint()).isEmpty();
  }

  @Test
  void deadlineIsAnAttemptTimeout() {
    Failure f = StatusTranslator.classify(Status.DEADLINE_EXCEEDED.asRuntimeException(), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.ATTEMPT_TIMEOUT);
    assertThat(f.error()).isInstanceOf(TsoDeadlineExceededException.class);
  }

  @Test
  void failedPreconditionSkipsTheNode() {
    Failure f = StatusTranslator.classify(Status.FAILED_PRECONDITION.withDescription("poisoned")
        .asRuntimeException(), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.SKIP_NODE);
  }

  @Test
  void invalidArgumentIsFatal() {
    Failure f = StatusTranslator.classify(Status.INVALID_ARGUMENT.withDescription("was 0").asException(), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.FATAL);
    assertThat(f.error()).isInstanceOf(TsoInvalidArgumentException.class).hasMessageContaining("was 0");
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"INTERNAL", "UNKNOWN", "UNIMPLEMENTED", "PERMISSION_DENIED",
      "DATA_LOSS"})
  void otherCodesAreFatalPlainErrors(Status.Code code) {
    Failure f = StatusTranslator.classify(Status.fromCode(code).asRuntimeException(), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.FATAL);
    assertThat(f.error()).isExactlyInstanceOf(TsoException.class).hasMessageContaining(code.name());
  }

  @Test
  void aTlsHandshakeFailureSkipsTheNodeSayingTlsAndTheEndpoint() {
    Failure f = StatusTranslator.classify(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new javax.net.ssl.SSLHandshakeException("PKIX path building failed")).asRuntimeException(), EP);

    assertThat(f.kind()).isEqualTo(Failure.Kind.SKIP_NODE);
    assertThat(f.error()).isInstanceOf(TsoUnavailableException.class)
        .hasMessageContaining("TLS handshake with " + EP + " failed").hasMessageContaining("PKIX");
  }

  @Test
  void aStatusFromTheServerMeansTheNodeAnsweredATransportErrorDoesNot() {
    assertThat(StatusTranslator.classify(Status.UNAVAILABLE.withDescription("not serving").asRuntimeException(), EP)
        .answered()).isTrue();
    assertThat(StatusTranslator.classify(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new java.net.ConnectException("Connection refused")).asRuntimeException(), EP).answered())
        .isFalse();
  }

  @Test
  void onAPlaintextChannelAConnectionResetByThePeerPointsAtTlsButARefusedOneDoesNot() {
    // Seen with a TLS server: depending on timing the plaintext client gets "io exception" (reset), not "closed".
    Failure reset = StatusTranslator.classify(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new IOException("Connection reset by peer")).asRuntimeException(), EP, true);
    Failure refused = StatusTranslator.classify(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new java.net.ConnectException("Connection refused")).asRuntimeException(), EP, true);
    Failure overTls = StatusTranslator.classify(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new IOException("Connection reset by peer")).asRuntimeException(), EP, false);

    assertThat(reset.error()).hasMessageContaining("needs tls(...)");
    assertThat(refused.error().getMessage()).doesNotContain("tls(");
    assertThat(overTls.error().getMessage()).doesNotContain("tls(");
  }

  @Test
  void onAPlaintextChannelAConnectionClosedWithoutAnswerPointsAtTls() {
    Status closed = Status.UNAVAILABLE.withDescription("Network closed for unknown reason");

    assertThat(StatusTranslator.classify(closed.asRuntimeException(), EP, true).error())
        .hasMessageContaining(EP).hasMessageContaining("TLS");
    assertThat(StatusTranslator.classify(closed.asRuntimeException(), EP, false).error().getMessage())
        .as("positive control: a TLS channel says nothing about TLS here").doesNotContain("TLS");
  }
}
