package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** The version line comes from the manifest the build writes; nothing is hard-coded. */
final class VersionInfoTest {
  @Test
  void lineShowsVersionAndCommitFromTheManifest() {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.8.7");
    m.getMainAttributes().putValue(VersionInfo.COMMIT_ATTRIBUTE, "abc123def456");
    assertThat(VersionInfo.line(m)).isEqualTo("tso4j 9.8.7 (commit abc123def456)");
  }

  @Test
  void missingPartsAreSaidToBeUnknown() {
    Manifest m = new Manifest();
    assertThat(VersionInfo.line(m)).isEqualTo("tso4j (unknown version) (commit unknown)");
    assertThat(VersionInfo.line(null)).contains("development classes");
  }
}
