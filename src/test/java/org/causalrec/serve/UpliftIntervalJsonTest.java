package org.causalrec.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.causalrec.causal.Interval;
import org.causalrec.causal.UpliftModel;
import org.junit.jupiter.api.Test;

/** The what-if interval's JSON: named by its method, and called 95 % only at a measured coverage of at least 0.9. */
class UpliftIntervalJsonTest {

  private static final UpliftModel.Estimate ESTIMATE = new UpliftModel.Estimate(0.03, 0.01, 0.02, 0.005, 0.035);

  @Test
  void anEnsembleOfTheMeasuredSizeCarriesItsMeasuredCoverageAndALevelOnlyWhenEarned() {
    JsonObject o = UpliftServing.interval(ESTIMATE, Interval.MEASURED_MEMBERS);
    assertEquals(0.005, o.getDouble("low"));
    assertEquals(0.035, o.getDouble("high"));
    assertEquals(Interval.METHOD, o.getString("method"));
    assertEquals(Interval.MEASURED_MEMBERS, o.getInteger("members"));
    assertEquals(0.95, o.getDouble("nominal"));
    assertEquals(Interval.MEASURED_COVERAGE, o.getDouble("measured_coverage"), 1e-12);
    assertEquals(Interval.MEASURED_COVERAGE >= 0.9, o.containsKey("level"), o.encode());
    if (o.containsKey("level")) {
      assertEquals(0.95, o.getDouble("level"));
    }
  }

  @Test
  void anEnsembleOfAnotherSizeClaimsNoCoverageAndNoLevel() {
    JsonObject o = UpliftServing.interval(ESTIMATE, Interval.MEASURED_MEMBERS + 1);
    assertEquals(Interval.MEASURED_MEMBERS + 1, o.getInteger("members"));
    assertEquals(0.95, o.getDouble("nominal"));
    assertFalse(o.containsKey("measured_coverage"), o.encode());
    assertFalse(o.containsKey("level"), o.encode());
    assertTrue(o.getString("method").contains("bootstrap of the users"));
  }
}
