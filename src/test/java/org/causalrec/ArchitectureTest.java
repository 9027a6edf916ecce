package org.causalrec;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import org.causalrec.store.PlantedBackwardsImport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package order of the data flow holds in the compiled code: a class depends only on classes of
 * its own package or of packages below it, and packages form no cycle. docs/ARCHITECTURE.md draws
 * the same order.
 */
class ArchitectureTest {

  /** The packages under {@code org.causalrec}, lowest first; the root package (the command line) is above all. */
  static final List<String> ORDER = List.of("core", "config", "store", "ingest", "sim", "data", "text", "model",
      "eval", "causal", "train", "serve", "feed", "experiment", "api", "server", "cli");

  static JavaClasses production;

  @BeforeAll
  static void importMainClasses() {
    production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.causalrec");
  }

  @Test
  void everyMainPackageHasItsPlaceInTheOrder() {
    for (JavaClass c : production) {
      assertTrue(rank(c.getPackageName()) >= 0, c.getName() + " is in a package the order does not place");
    }
    assertTrue(production.size() > 100, "the main classes were imported: " + production.size());
  }

  @Test
  void noClassDependsOnAPackageAboveItsOwn() {
    packageOrder().check(production);
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("org.causalrec.(*)..").should().beFreeOfCycles().check(production);
  }

  @Test
  void evalHoldsPureMetricsAndSplits() {
    noClasses().that().resideInAPackage("org.causalrec.eval..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.causalrec.store..",
            "org.causalrec.sim..", "ai.djl..")
        .check(production);
  }

  @Test
  void aPlantedBackwardsImportFailsTheRule() {
    JavaClasses planted = new ClassFileImporter().importClasses(PlantedBackwardsImport.class);
    AssertionError e = assertThrows(AssertionError.class, () -> packageOrder().check(planted));
    assertTrue(e.getMessage().contains("store is below api"), e.getMessage());
  }

  /** The rule: every dependency on an org.causalrec class points at the class's own package or one below. */
  static ArchRule packageOrder() {
    return classes().that().resideInAPackage("org.causalrec..").should(new ArchCondition<>(
        "depend only on their own package or packages below it (" + String.join(" < ", ORDER) + ")") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        int own = rank(c.getPackageName());
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          String target = d.getTargetClass().getPackageName();
          if (!target.startsWith("org.causalrec")) {
            continue;
          }
          int theirs = rank(target);
          if (theirs > own) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription() + ": " + layer(c.getPackageName())
                + " is below " + layer(target)));
          }
        }
      }
    });
  }

  /** A package's place in {@link #ORDER}; the root package ranks above every other; -1 for one not placed. */
  static int rank(String pkg) {
    String layer = layer(pkg);
    return layer.isEmpty() ? ORDER.size() : ORDER.indexOf(layer);
  }

  private static String layer(String pkg) {
    String rest = pkg.equals("org.causalrec") ? "" : pkg.substring("org.causalrec.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }
}
