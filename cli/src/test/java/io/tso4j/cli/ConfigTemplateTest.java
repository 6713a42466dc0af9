package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

/**
 * conf/tso4j.properties of the release archive is what {@link ConfigTemplate} renders from the serve options, and
 * lists each of them with its default. Regenerate it with
 * {@code mvn -B test -pl cli -am -Dtest=ConfigTemplateTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtso4j.conf.update=true}.
 */
final class ConfigTemplateTest {
  private static final Path FILE = Path.of("src/dist/conf/tso4j.properties");

  @Test
  void shippedFileIsTheRenderedOne() throws IOException {
    String rendered = ConfigTemplate.render();
    if (Boolean.getBoolean("tso4j.conf.update")) {
      Files.writeString(FILE, rendered, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
        .as("%s is stale; regenerate it (see this test's javadoc)", FILE.toAbsolutePath())
        .isEqualTo(rendered);
  }

  @Test
  void everyServeOptionIsListedWithItsDefault() throws IOException {
    String rendered = ConfigTemplate.render();
    Properties uncommented = new Properties();
    StringBuilder lines = new StringBuilder();
    for (String line : rendered.split("\n")) {
      if (line.matches("#[a-z-]+=.*")) {
        lines.append(line.substring(1)).append('\n');
      }
    }
    uncommented.load(new StringReader(lines.toString()));
    assertThat(uncommented.stringPropertyNames()).contains("id", "peers", "grpc-port", "data-dir", "window",
        "rpc-timeout-min", "group-id", "snapshot-threshold", "raft-request-timeout", "fence-retry-budget",
        "handoff-grace", "log-dir").doesNotContain("config", "help", "version");
    assertThat(uncommented.getProperty("window")).isEqualTo("3s");
    assertThat(uncommented.getProperty("snapshot-threshold")).isEqualTo("10000");
    assertThat(uncommented.getProperty("handoff-grace")).isEqualTo("1s");
    assertThat(uncommented.getProperty("id")).isEmpty();
  }

  @Test
  void theRenderedFileUncommentedIsAValidConfig() throws IOException {
    StringBuilder b = new StringBuilder();
    for (String line : ConfigTemplate.render().split("\n")) {
      if (line.matches("#[a-z-]+=.+")) {
        b.append(line.substring(1)).append('\n');
      }
    }
    Path conf = Files.createTempFile("tso4j-conf", ".properties");
    try {
      Files.writeString(conf, b.toString());
      java.io.StringWriter err = new java.io.StringWriter();
      int code = Main.run(new String[] {"serve", "--config", conf.toString(), "--help"}, java.util.Map.of(),
          new java.io.PrintWriter(new java.io.StringWriter(), true), new java.io.PrintWriter(err, true));
      assertThat(code).as(err.toString()).isEqualTo(ExitCodes.OK);
    } finally {
      Files.delete(conf);
    }
  }
}
