package org.causalrec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.causalrec.TestDatabase;
import org.causalrec.causal.RankingWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate --ope --policy-file} end to end: an Open Bandit Dataset-shaped log imported with
 * {@code import --format obd}, a policy file, the JSON report; and the refusal of clicks on a log
 * with slate-level propensities.
 */
@TestDatabase(perMethod = true)
class OpeCommandTest {

  @TempDir
  Path dir;

  private String out = "";
  private String err = "";

  private int run(String... args) {
    CliRun.Result r = CliRun.run(args);
    out = r.out();
    err = r.err();
    return r.code();
  }

  @Test
  void aPolicyFileIsEvaluatedOnAnImportedOpenBanditLog() throws Exception {
    RankingWorld world = RankingWorld.standard();
    double[] logging = {1, 1, 2, 3, 5, 8};
    double[] candidate = {8, 5, 3, 2, 1, 1};
    double[][] b = world.marginals(logging);
    StringBuilder csv = new StringBuilder(",timestamp,item_id,position,click,propensity_score,user_feature_0,"
        + "user_feature_1,user-item_affinity_0\n");
    SplittableRandom rng = new SplittableRandom(9);
    int slates = 400;
    int row = 0;
    for (int s = 0; s < slates; s++) {
      int[] slate = world.slate(logging, rng);
      String ts = String.format(Locale.ROOT, "2019-11-%02d %02d:00:00.000000+00:00", 1 + s / 24, s % 24);
      for (int p = 0; p < slate.length; p++) {
        int click = rng.nextDouble() < world.relevance()[slate[p]] * world.examination()[p] ? 1 : 0;
        csv.append(String.format(Locale.ROOT, "%d,%s,%d,%d,%d,%.12f,f%d,g%d,0.0%n", row++, ts, slate[p], p + 1,
            click, b[slate[p]][p], s % 17, s % 5));
      }
    }
    Path log = dir.resolve("obd.csv");
    Files.writeString(log, csv);
    double[][] e = world.marginals(candidate);
    StringBuilder policy = new StringBuilder("item_id,position,probability\n");
    for (int i = 0; i < world.items(); i++) {
      for (int p = 0; p < world.positions(); p++) {
        policy.append(String.format(Locale.ROOT, "obd-i%d,%d,%.17g%n", i, p + 1, e[i][p]));
      }
    }
    Path file = dir.resolve("candidate.csv");
    Files.writeString(file, policy);
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "obd", "--data-dir", data, log.toString()), err);
    assertEquals(0, run("evaluate", "--ope", "--policy-file", file.toString(), "--reward", "click", "--json",
        "--data-dir", data), err);
    assertEquals(1, out.trim().lines().count(), "one JSON document: " + out);
    JsonObject doc = new JsonObject(out.trim());
    assertEquals("ope", doc.getString("protocol"));
    assertEquals(slates * 3, doc.getJsonObject("dataset").getInteger("rounds"));
    assertEquals("per-position", doc.getJsonObject("dataset").getString("propensities"));
    assertEquals("file", doc.getJsonObject("policy").getString("kind"));
    assertEquals("context-free", doc.getJsonObject("policy").getString("form"));
    assertEquals("click", doc.getString("reward"));
    double truth = world.clicksPerImpression(e);
    JsonObject estimates = doc.getJsonObject("estimates");
    assertEquals(List.of("ips", "snips", "dm", "dr", "switch-dr", "dr-os"), List.copyOf(estimates.fieldNames()));
    for (String name : estimates.fieldNames()) {
      JsonObject x = estimates.getJsonObject(name);
      assertTrue(x.getDouble("low") <= x.getDouble("value") && x.getDouble("value") <= x.getDouble("high"), name);
    }
    JsonObject dr = estimates.getJsonObject("dr");
    assertTrue(dr.getDouble("low") <= truth && truth <= dr.getDouble("high"), "dr covers " + truth + ": " + dr);
    assertTrue(doc.getDouble("ess") > 0 && doc.getDouble("ess") <= slates * 3, doc.encode());
    assertTrue(doc.getDouble("max_weight") > 1, doc.encode());
    assertTrue(doc.getJsonArray("warnings") != null, doc.encode());

    assertEquals(0, run("evaluate", "--ope", "--policy-file", file.toString(), "--reward", "click",
        "--data-dir", data), err);
    assertTrue(out.contains("| dr | ") && out.contains("| switch-dr | "), "without --json, a table: " + out);

    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "item_id,position,probability\nobd-i1,1,0.6\nobd-i2,1,0.6\n");
    assertEquals(1, run("evaluate", "--ope", "--policy-file", bad.toString(), "--reward", "click", "--data-dir", data));
    assertTrue(err.contains("line 2, field probability: the probabilities of position 1 sum to 1.200000"),
        "ERR[" + err + "] OUT[" + out + "]");
  }

  @Test
  void clicksAreRefusedWhenTheLogHasOnlySlateLevelPropensities() throws Exception {
    StringBuilder events = new StringBuilder();
    for (int p = 0; p < 3; p++) {
      events.append(new JsonObject().put("event_id", "e" + p).put("user_id", "u1").put("item_id", "i" + p)
          .put("type", "impression").put("timestamp", "2024-01-01T00:00:00Z").put("context", new JsonObject()
              .put("position", p).put("propensity", 0.4).put("recommended", true).put("model_version", "sim"))
          .encode()).append('\n');
    }
    Path file = dir.resolve("events.ndjson");
    Files.writeString(file, events);
    Path policy = dir.resolve("p.csv");
    Files.writeString(policy, "item_id,position,probability\ni0,1,1\ni1,2,1\ni2,3,1\n");
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "ndjson", "--data-dir", data, file.toString()), err);
    assertEquals(1, run("evaluate", "--ope", "--policy-file", policy.toString(), "--reward", "click",
        "--data-dir", data));
    assertTrue(err.contains("reward click depends on the position an item is shown at")
        && err.contains("only slate-level propensities"), err);
  }
}
