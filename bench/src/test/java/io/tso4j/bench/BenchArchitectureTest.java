package io.tso4j.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Inside the bench, Ratis is used only by the one-write-per-call baseline. */
final class BenchArchitectureTest {
  private static final JavaClasses BENCH = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.tso4j.bench");

  @Test
  void onlyTheBaselineUsesRatis() {
    noClasses().that().resideInAPackage("io.tso4j.bench..").and().resideOutsideOfPackage("io.tso4j.bench.baseline..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
        .check(BENCH);
  }
}
