package org.causalrec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.store.StoreHandle;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.causalrec.App;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI's import and simulate commands against a real store: each test's own database, which
 * every command is given with {@code --pg-url}.
 */
@TestDatabase(perMethod = true)
class CommandsTest {

  @TempDir
  Path dir;

  private String lastErr = "";
  private String lastOut = "";

  private int run(String... args) {
    CliRun.Result r = CliRun.run(args);
    lastErr = r.err();
    lastOut = r.out();
    return r.code();
  }

  @Test
  void movielensFilesImportOnceEvenWhenImportedTwice() throws Exception {
    Path udata = dir.resolve("u.data");
    Files.writeString(udata, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n");
    Path csv = dir.resolve("ratings.csv");
    Files.writeString(csv, "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n");
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "movielens", "--data-dir", data, udata.toString()));
    assertEquals(0, run("import", "--format", "movielens", "--data-dir", data, csv.toString()));
    assertEquals(0, run("import", "--format", "movielens", "--data-dir", data, udata.toString()));
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      EventRepository events = new EventRepository(store.pool());
      assertEquals(5L, events.count().await());
      List<Event> user196 = events.recentByUser("196", 10, null).await();
      assertEquals(1, user196.size());
      assertEquals("242", user196.get(0).itemId());
      assertEquals("rating", user196.get(0).type());
      assertEquals(3.0, user196.get(0).value());
      assertEquals(881250949L, user196.get(0).ts().getEpochSecond());
      assertEquals(2.5, events.recentByUser("1", 10, null).await().get(1).value());
    }
  }

  @Test
  void coatAndTriplesImportWithTheirRandomExposureSlice() throws Exception {
    Path coat = Files.createDirectories(dir.resolve("coat"));
    Files.writeString(coat.resolve("train.ascii"), "5 0 0 3\n0 1 0 0\n0 0 4 0\n");
    Files.writeString(coat.resolve("test.ascii"), "0 2 0 0\n4 0 0 0\n0 0 0 5\n");
    Path train = dir.resolve("ymusic-train.txt");
    Files.writeString(train, "1\t10\t5\n1\t11\t1\n2\t10\t4\n");
    Path test = dir.resolve("ymusic-test.txt");
    Files.writeString(test, "1\t12\t3\n2\t11\t2\n");
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "coat", "--data-dir", data, coat.toString()));
    assertEquals(0, run("import", "--format", "coat", "--data-dir", data, coat.toString()), "idempotent");
    assertEquals(0, run("import", "--format", "triples", "--random-test", test.toString(), "--data-dir", data,
        train.toString()));
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      EventRepository events = new EventRepository(store.pool());
      assertEquals(7L + 5L, events.count().await());
      List<Event> u0 = events.recentByUser("coat-u0", 10, null).await();
      assertEquals(3, u0.size());
      Event random = u0.stream().filter(e -> "random".equals(e.surface())).findFirst().orElseThrow();
      assertEquals("coat-i1", random.itemId());
      assertEquals(2.0, random.value());
      assertTrue(random.ts().isAfter(u0.stream().filter(e -> "logged".equals(e.surface())).findFirst()
          .orElseThrow().ts()), "the random-exposure test is dated after the training log");
      List<Event> y1 = events.recentByUser("1", 10, null).await();
      assertEquals(3, y1.size());
      assertEquals(1, y1.stream().filter(e -> "random".equals(e.surface())).count());
    }
  }

  @Test
  void aSimulatedSelfSelectionWorldGoesThroughTheCoatImporterAndTheRandomExposureProtocol() throws Exception {
    Path world = dir.resolve("self-selection");
    assertEquals(0, run("simulate", "--self-selection", world.toString(), "--seed", "3"), () -> lastErr);
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "coat", "--data-dir", data, world.toString()), () -> lastErr);
    Path results = dir.resolve("RESULTS.md");
    assertEquals(0, run("evaluate", "--protocol", "random-exposure", "--epochs", "2", "--data-dir", data, "--json",
        "--results", results.toString(), "--label", "self-selection"), () -> lastErr);
    JsonObject r = new JsonObject(lastOut.strip());
    assertEquals("random-exposure", r.getString("protocol"));
    JsonObject d = r.getJsonObject("dataset");
    assertEquals(290 * 24, d.getInteger("observed_pairs"), "Coat's shape: 24 chosen ratings per user");
    assertEquals(290 * 16, d.getInteger("test_pairs") + d.getInteger("set_aside_pairs"), "16 random ones each");
    assertTrue(d.getDouble("observed_positive_share") > d.getDouble("test_positive_share") + 0.1,
        "users chose what they like: " + d.encode());
    assertEquals("naive-bayes", r.getJsonObject("propensity").getString("source"));
    Set<String> rows = new HashSet<>();
    for (Object o : r.getJsonArray("results")) {
      JsonObject row = (JsonObject) o;
      rows.add(row.getString("model") + " " + row.getString("objective"));
    }
    for (String model : List.of("mf", "mlp")) {
      for (String objective : List.of("naive", "ips", "snips", "dr", "mrdr")) {
        assertTrue(rows.contains(model + " " + objective), model + " " + objective + " in " + rows);
      }
    }
    String md = Files.readString(results);
    assertTrue(md.contains("| model | objective | AUC | NDCG@5 | Recall@5 | users |") && md.contains("| mf | dr |"), md);
  }

  @Test
  void openBanditAndKuaiRecImportWithTheirPropensitiesAndRandomSlices() throws Exception {
    // fixtures in the published column layouts (OBD: pandas index first; KuaiRec: big/small matrix)
    String obdHeader = ",timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,"
        + "user-item_affinity_0\n";
    Path bts = dir.resolve("obd-bts.csv");
    Files.writeString(bts, obdHeader
        + "0,2019-11-24 00:00:17.070276+00:00,7,1,0,0.25,81ce,03a5,0.0\n"
        + "1,2019-11-24 00:00:17.070276+00:00,3,2,1,0.5,81ce,03a5,0.0\n"
        + "2,2019-11-24 00:01:02.000000+00:00,7,1,1,0.125,cef3,03a5,1.0\n");
    Path random = dir.resolve("obd-random.csv");
    Files.writeString(random, obdHeader + "0,2019-11-25 10:00:00.000000+00:00,5,3,0,0.0125,81ce,03a5,0.0\n");
    Path kr = Files.createDirectories(dir.resolve("kuairec"));
    String krHeader = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n";
    Files.writeString(kr.resolve("big_matrix.csv"), krHeader
        + "14,148,4381,6067,2020-07-05 05:27:48.378,20200705,1593898068.378,0.722\n"
        + "14,183,11635,6100,2020-07-05 05:28:00.057,20200705,1593898080.057,1.907\n"
        + "19,148,20000,6067,2020-07-05 06:00:00.000,20200705,1593900000.0,3.296\n");
    Files.writeString(kr.resolve("small_matrix.csv"), krHeader
        + "14,3649,13838,10867,2020-07-05 05:27:48.378,20200705.0,1593898068.378,1.273\n"
        + "14,9598,13665,10984,,,,2.244\n");
    String data = dir.resolve("store").toString();
    assertEquals(0, run("import", "--format", "obd", "--random-test", random.toString(), "--data-dir", data,
        bts.toString()));
    assertEquals(0, run("import", "--format", "kuairec", "--data-dir", data, kr.toString()));
    assertEquals(0, run("import", "--format", "kuairec", "--data-dir", data, kr.toString()), "idempotent");
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      EventRepository events = new EventRepository(store.pool());
      // OBD: 4 impressions + 2 clicks; KuaiRec: 5 impressions + 2 clicks (watch ratio >= 2)
      assertEquals(6L + 7L, events.count().await());
      String user = "obd-" + java.util.UUID.nameUUIDFromBytes("81ce|03a5|".getBytes(
          java.nio.charset.StandardCharsets.UTF_8));
      List<Event> obd = events.recentByUser(user, 10, null).await();
      assertEquals(4, obd.size(), "two rows of bts, one of random, and a click share the user");
      Event clicked = obd.stream().filter(e -> e.type().equals("click")).findFirst().orElseThrow();
      assertEquals("obd-i3", clicked.itemId());
      assertEquals(1, clicked.position(), "positions from 0");
      assertEquals(0.5, clicked.propensity());
      assertEquals("obd-logged@position", clicked.modelVersion(), "OBD's propensities are per position");
      Event r = obd.stream().filter(e -> "random".equals(e.surface())).findFirst().orElseThrow();
      assertEquals(0.0125, r.propensity());
      assertEquals(java.time.Instant.parse("2019-11-25T10:00:00Z"), r.ts());
      List<Event> k14 = events.recentByUser("kr-u14", 10, null).await();
      assertEquals(5, k14.size());
      Event small = k14.stream().filter(e -> e.type().equals("click")).findFirst().orElseThrow();
      assertEquals("kr-i9598", small.itemId());
      assertEquals("random", small.surface());
      assertEquals(1, events.recentByUser("kr-u19", 10, null).await().stream()
          .filter(e -> e.type().equals("click")).count());
    }
    assertEquals(1, run("import", "--format", "obd", "--data-dir", dir.resolve("other").toString(),
        dir.resolve("kuairec").resolve("big_matrix.csv").toString()), "a file without OBD's columns is refused");
  }

  @Test
  void trainProgressShowsEpochBarsAndTheStagesOfCausalRuns() {
    String bar = TrainCommand.progressLine(new io.vertx.core.json.JsonObject().put("version", "mult-vae-1")
        .put("status", "training").put("epoch", 5).put("epochs", 10).put("loss", 1.5));
    assertTrue(bar.contains("[###############...............] epoch 5/10 loss 1.5000"), bar);
    String stage = TrainCommand.progressLine(new io.vertx.core.json.JsonObject().put("version", "uplift-1")
        .put("status", "training").put("detail", "exposure epoch 3 loss 0.0452"));
    assertEquals("\ruplift-1: exposure epoch 3 loss 0.0452\n", stage);
    assertEquals("", TrainCommand.progressLine(new io.vertx.core.json.JsonObject().put("status", "ready")));
  }

  @Test
  void badImportInputFailsWithoutStoringAnything() throws Exception {
    Path bad = dir.resolve("bad.ndjson");
    Files.writeString(bad, "{\"user_id\":\"u\",\"item_id\":\"i\",\"type\":\"click\"}\n{\"user_id\":\"u\",\"type\":\"click\"}\n");
    String data = dir.resolve("store").toString();
    assertEquals(1, run("import", "--format", "ndjson", "--data-dir", data, bad.toString()));
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      assertEquals(0L, new EventRepository(store.pool()).count().await());
    }
  }

  @Test
  void aBadLineInALaterBatchIsReportedWithItsLineNumber() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int k = 1; k <= 7; k++) {
      b.append(k == 6 ? "{\"user_id\":\"u\",\"type\":\"click\"}" : "{\"event_id\":\"e" + k
          + "\",\"user_id\":\"u\",\"item_id\":\"i\",\"type\":\"click\"}").append('\n');
    }
    Path file = dir.resolve("events.ndjson");
    Files.writeString(file, b);
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new App());
    cli.setErr(new PrintWriter(err));
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(e.getMessage());
      return 1;
    });
    String data = dir.resolve("store").toString();
    assertEquals(1, cli.execute(CliRun.onTestDatabase("import", "--format", "ndjson", "--batch", "4", "--data-dir", data,
        file.toString())));
    assertTrue(err.toString().contains("line 6: item_id"), err.toString());
    assertTrue(err.toString().contains("4 events of earlier batches are stored"), err.toString());
  }

  @Test
  void evaluatePrintsEveryModelSideBySideAsJson() throws Exception {
    String data = dir.resolve("store").toString();
    assertEquals(0, run("simulate", "--size", "tiny", "--seed", "4", "--data-dir", data));
    assertEquals(0, run("evaluate", "--data-dir", data, "--epochs", "3", "--heldout-users", "20", "--json",
        "--results", dir.resolve("RESULTS.md").toString(), "--label", "tiny"));
    io.vertx.core.json.JsonObject doc = new io.vertx.core.json.JsonObject(lastOut.trim());
    assertEquals("strong-generalization", doc.getString("protocol"));
    assertEquals(3, doc.getJsonArray("results").size());
    for (Object o : doc.getJsonArray("results")) {
      io.vertx.core.json.JsonObject r = (io.vertx.core.json.JsonObject) o;
      double ndcg = r.getJsonObject("metrics").getDouble("ndcg@100");
      assertTrue(ndcg > 0 && ndcg <= 1, r.encode());
    }
    String md = Files.readString(dir.resolve("RESULTS.md"));
    assertTrue(md.contains("<!-- results:tiny / strong-generalization -->") && md.contains("| mult-vae |"), md);

    assertEquals(0, run("evaluate", "--data-dir", data, "--protocol", "temporal", "--models", "popularity,ease",
        "--json"));
    io.vertx.core.json.JsonObject temporal = new io.vertx.core.json.JsonObject(lastOut.trim());
    assertEquals("temporal", temporal.getString("protocol"));
    assertTrue(temporal.getJsonObject("dataset").getInteger("test_users") > 10, temporal.encode());
    assertEquals(2, temporal.getJsonArray("results").size());
  }

  @Test
  void evaluateClicksMeasuresTheClickModelsCalibrationOnHeldOutImpressions() throws Exception {
    String data = dir.resolve("clicks").toString();
    assertEquals(0, run("simulate", "--size", "tiny", "--seed", "4", "--data-dir", data));
    assertEquals(0, run("evaluate", "--data-dir", data, "--protocol", "clicks", "--click-epochs", "3", "--json",
        "--results", dir.resolve("CLICKS.md").toString(), "--label", "tiny"), () -> lastErr);
    io.vertx.core.json.JsonObject doc = new io.vertx.core.json.JsonObject(lastOut.trim());
    assertEquals("clicks", doc.getString("protocol"));
    io.vertx.core.json.JsonObject m = doc.getJsonObject("metrics");
    io.vertx.core.json.JsonArray deciles = m.getJsonArray("calibration");
    assertEquals(10, deciles.size());
    long n = 0;
    double ece = 0;
    for (int k = 0; k < 10; k++) {
      io.vertx.core.json.JsonObject d = deciles.getJsonObject(k);
      n += d.getLong("examples");
      ece += d.getLong("examples") * Math.abs(d.getDouble("predicted") - d.getDouble("observed"));
    }
    assertEquals(m.getInteger("test_impressions").longValue(), n, "every held-out impression in one decile");
    assertEquals(ece / n, m.getDouble("expected_calibration_error"), 1e-9);
    double bottom = deciles.getJsonObject(0).getDouble("observed");
    double top = deciles.getJsonObject(9).getDouble("observed");
    assertTrue(top > 2 * bottom, "the highest predictions are clicked more: " + deciles.encode());
    io.vertx.core.json.JsonObject platt = m.getJsonObject("platt");
    assertTrue(platt.getDouble("a") > 0 && !platt.getBoolean("weighted"), "naive: an unweighted scaling " + platt);
    io.vertx.core.json.JsonObject weighted = m.getJsonObject("propensity_weighted_calibration");
    assertEquals(10, weighted.getJsonArray("deciles").size(), "the simulator logs every propensity");
    assertTrue(Files.readString(dir.resolve("CLICKS.md")).contains("| decile of predictions |"));
  }

  @Test
  void simulateWritesTheTinyWorldAndItsTruth() {
    String data = dir.resolve("store").toString();
    assertEquals(0, run("simulate", "--size", "tiny", "--seed", "3", "--data-dir", data));
    assertTrue(Files.exists(dir.resolve("store/sim/tiny-3/exposures.tsv.gz")));
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      assertTrue(new EventRepository(store.pool()).count().await() > 3_000);
    }
  }

  @Test
  void embedBackfillsEveryItemOnceAndThenHasNothingToDo() {
    String data = dir.resolve("store").toString();
    assertEquals(0, run("simulate", "--size", "tiny", "--seed", "5", "--data-dir", data));
    assertEquals(0, run("embed", "--data-dir", data), lastErr);
    long items;
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir.resolve("store")))) {
      items = store.pool().query("SELECT count(*) FROM items").execute().await().iterator().next().getLong(0);
      long stored = store.pool().query("SELECT count(*) FROM item_embeddings").execute().await().iterator().next()
          .getLong(0);
      assertEquals(items, stored);
    }
    assertTrue(lastErr.contains(items + " items, 0 with a current embedding"), lastErr);
    assertEquals(0, run("embed", "--data-dir", data), lastErr);
    assertTrue(lastErr.contains(items + " items, " + items + " with a current embedding"), lastErr);
  }
}
