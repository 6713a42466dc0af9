package io.tso4j.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The server module's arrows inside the module, which Maven's dependency rules cannot see: Ratis is reached only
 * through tso4j-ratis (the server never names a Ratis type), and the gRPC layer never reaches into the client.
 */
final class ServerArchitectureTest {
  private static final JavaClasses SERVER = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.tso4j.server");

  @Test
  void theServerNeverNamesARatisType() {
    noClasses().that().resideInAPackage("io.tso4j.server..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
        .because("Ratis belongs to tso4j-ratis (docs/architecture.md)")
        .check(SERVER);
  }

  @Test
  void theServerNeverUsesTheClientLibrary() {
    noClasses().that().resideInAPackage("io.tso4j.server..")
        .should().dependOnClassesThat().resideInAPackage("io.tso4j.client..")
        .because("wire constants live in tso4j-proto; the server does not depend on the client")
        .check(SERVER);
  }

  @Test
  void onlyTheMetricsPackageUsesMicrometer() {
    // Micrometer is an optional dependency of the server: no class outside io.tso4j.server.metrics may need it.
    noClasses().that().resideInAPackage("io.tso4j.server..").and().resideOutsideOfPackage("io.tso4j.server.metrics..")
        .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
        .because("Micrometer is optional for embedders (docs/architecture.md)")
        .check(SERVER);
  }

  @Test
  void theRuleCatchesAViolation() {
    // Positive control: the same rule over a class that does use Ratis (the driver) must fail.
    JavaClasses ratis = new ClassFileImporter().importPackages("io.tso4j.ratis");
    ArchRule rule = noClasses().that().resideInAPackage("io.tso4j.ratis..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..");
    EvaluationResult result = rule.evaluate(ratis);
    assertThat(result.hasViolation()).isTrue();
  }
}
