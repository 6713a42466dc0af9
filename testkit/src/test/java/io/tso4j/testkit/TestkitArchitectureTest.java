package io.tso4j.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Inside the testkit, Ratis is used only by the in-JVM fault hooks and the in-process cluster harness; the nemesis
 * drives processes and talks to them over tso4j's own gRPC API.
 */
final class TestkitArchitectureTest {
  private static final JavaClasses TESTKIT = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.tso4j.testkit");

  @Test
  void theNemesisNeverNamesARatisType() {
    noClasses().that().resideInAPackage("io.tso4j.testkit.stress..")
        .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
        .check(TESTKIT);
  }
}
