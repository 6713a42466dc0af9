package io.tso4j.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.tso4j.core.TsoClock;
import org.junit.jupiter.api.Test;

/**
 * The fault-injection and clock-offset hooks cannot be reached from a stock daemon: outside the testkit no production
 * class reads the environment except the CLI's entry point and its logging set-up (which read only {@code TSO4J_*}
 * options and log levels, checked against the known names), nothing uses the testkit's fault hooks, and nothing but
 * the core itself makes a clock with an offset. (ServeSecurityTest shows the variables and flags being refused.)
 */
final class NoTestHooksInTheDaemonTest {
  private static final JavaClasses PRODUCTION = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.tso4j");

  private static ArchRule noEnvironmentReads(boolean allowTheCli) {
    var that = noClasses().that().resideOutsideOfPackage("io.tso4j.testkit..");
    if (allowTheCli) {
      that = that.and().doNotHaveFullyQualifiedName(Main.class.getName())
          .and().doNotHaveFullyQualifiedName(DaemonLogging.class.getName());
    }
    return that.should().callMethod(System.class, "getenv", String.class)
        .orShould().callMethod(System.class, "getenv");
  }

  @Test
  void onlyTheEntryPointAndTheLoggingSetUpReadTheEnvironment() {
    noEnvironmentReads(true).check(PRODUCTION);
  }

  @Test
  void theEnvironmentRuleSeesTheReadsItAllows() {
    // Positive control: without the two allowed classes the rule fails.
    assertThat(noEnvironmentReads(false).evaluate(PRODUCTION).hasViolation()).isTrue();
  }

  @Test
  void nothingOutsideTheTestkitUsesTheFaultHooks() {
    noClasses().that().resideOutsideOfPackage("io.tso4j.testkit..")
        .should().dependOnClassesThat().resideInAPackage("io.tso4j.testkit.faults..")
        .check(PRODUCTION);
  }

  @Test
  void nothingButTheCoreMakesAnOffsetClock() {
    noClasses().that().resideOutsideOfPackage("io.tso4j.core..")
        .should().callMethod(TsoClock.class, "systemWithOffset", long.class)
        .check(PRODUCTION);
  }
}
