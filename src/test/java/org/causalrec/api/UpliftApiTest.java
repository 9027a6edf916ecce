package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The causal models over real HTTP on the tiny simulated world: training requests with debiasing
 * options (and their 400s), the uplift model's what-if answers (and their 400/404/503 cases) and
 * recommendations ranked by uplift.
 */
@TestDatabase
class UpliftApiTest {

  @TempDir
  static Path dir;

  static ApiFixture api;
  static HttpResponse<Buffer> beforeAnyModel;
  static String version;

  @BeforeAll
  static void start() {
    // a small ensemble keeps the test short; the interval needs at least 2 members
    api = ApiFixture.builder(dir).world("tiny", 8).config(c -> {
      org.causalrec.config.Config.CausalConfig d = c.build().causal();
      return c.setCausal(new org.causalrec.config.Config.CausalConfig(d.vaeObjective(), d.clickObjective(),
          d.propensity(), d.minPropensity(), d.popularityEta(), 3));
    }).start();
    beforeAnyModel = api.get("/v1/users/u3/what-if?item=i5");
    HttpResponse<Buffer> r = api.post("/v1/models/uplift/train", new JsonObject().put("epochs", 4));
    assertEquals(202, r.statusCode(), r.bodyAsString());
    version = r.bodyAsJsonObject().getString("version");
    TestEnv.waitFor(() -> version.equals(api.server().upliftVersion()), Duration.ofSeconds(300),
        "uplift " + version + " served");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String error, String field) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    JsonObject b = r.bodyAsJsonObject();
    assertEquals(error, b.getString("error"), b.encode());
    if (field != null) {
      assertEquals(field, b.getString("field"), b.encode());
    }
  }

  @Test
  void withoutAnUpliftModelWhatIfIs503() {
    assertError(beforeAnyModel, 503, "no_uplift_model", null);
  }

  @Test
  void whatIfGivesBothProbabilitiesTheUpliftAndAnInterval() {
    HttpResponse<Buffer> r = api.get("/v1/users/u3/what-if?item=i5");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject b = r.bodyAsJsonObject();
    assertEquals("u3", b.getString("user_id"));
    assertEquals("i5", b.getString("item_id"));
    assertEquals(version, b.getString("model_version"));
    double treated = b.getJsonObject("recommended").getDouble("conversion_probability");
    double control = b.getJsonObject("not_recommended").getDouble("conversion_probability");
    assertTrue(treated >= 0 && treated <= 1 && control >= 0 && control <= 1, b.encode());
    assertEquals(treated - control, b.getDouble("uplift"), 1e-9);
    JsonObject interval = b.getJsonObject("interval");
    assertTrue(interval.getDouble("low") <= interval.getDouble("high"), b.encode());
    assertTrue(interval.getDouble("low") <= b.getDouble("uplift") && b.getDouble("uplift") <= interval.getDouble("high"),
        b.encode());
    assertEquals(3, interval.getInteger("members"), b.encode());
    assertEquals(0.95, interval.getDouble("nominal"));
    assertTrue(interval.getString("method").contains("bootstrap of the users"), b.encode());
    // a 3-member ensemble's coverage was never measured: no claim to a level, and no borrowed coverage
    assertFalse(interval.containsKey("level"), b.encode());
    assertFalse(interval.containsKey("measured_coverage"), b.encode());
    assertTrue(b.getInteger("history_items") > 0, "u3's history represents them: " + b.encode());
    // a user the model never saw, with events of their own, is answered from their history
    JsonArray events = new JsonArray().add(TestEnv.click(null, "late-user", "i1")).add(TestEnv.click(null, "late-user", "i2"));
    assertEquals(200, api.post("/v1/events", events).statusCode());
    HttpResponse<Buffer> late = api.get("/v1/users/late-user/what-if?item=i5");
    assertEquals(200, late.statusCode(), late.bodyAsString());
  }

  @Test
  void whatIfRefusesMissingItemsUnknownItemsAndUnknownUsers() {
    assertError(api.get("/v1/users/u3/what-if"), 400, "invalid_parameter", "item");
    assertError(api.get("/v1/users/u3/what-if?item="), 400, "invalid_parameter", "item");
    assertError(api.get("/v1/users/u3/what-if?item=no-such-item"), 404, "unknown_item", "item");
    assertError(api.get("/v1/users/nobody-at-all/what-if?item=i5"), 404, "unknown_user", "id");
  }

  @Test
  void recommendationsRankedByUpliftLeaveConsumedItemsOut() {
    HttpResponse<Buffer> r = api.get("/v1/users/u3/recommendations?objective=uplift&n=5&exclude=i7");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject b = r.bodyAsJsonObject();
    assertEquals("uplift", b.getString("objective"));
    assertEquals(version, b.getString("model_version"));
    JsonArray items = b.getJsonArray("items");
    assertEquals(5, items.size());
    Set<String> consumed = new HashSet<>();
    for (Object o : api.get("/v1/users/u3/events?limit=1000").bodyAsJsonObject().getJsonArray("events")) {
      JsonObject e = (JsonObject) o;
      if (Set.of("click", "add_to_cart", "purchase", "rating").contains(e.getString("type"))) {
        consumed.add(e.getString("item_id"));
      }
    }
    double last = Double.POSITIVE_INFINITY;
    for (Object o : items) {
      JsonObject it = (JsonObject) o;
      assertFalse(consumed.contains(it.getString("id")) || it.getString("id").equals("i7"), it.encode());
      assertTrue(it.getDouble("uplift") <= last, "sorted by uplift");
      assertEquals(it.getDouble("p_recommended") - it.getDouble("p_not_recommended"), it.getDouble("uplift"), 1e-9);
      last = it.getDouble("uplift");
    }
    assertError(api.get("/v1/users/u3/recommendations?objective=clicks"), 400, "invalid_parameter",
        "objective");
  }

  @Test
  void trainRequestsValidateTheirDebiasingOptions() {
    assertError(api.post("/v1/models/mult-vae/train", new JsonObject().put("objective", "dr")), 400,
        "invalid_field", "objective");
    assertError(api.post("/v1/models/mult-vae/train", new JsonObject().put("objective", "magic")), 400,
        "invalid_field", "objective");
    assertError(api.post("/v1/models/exposure/train", new JsonObject().put("objective", "ips")), 400,
        "invalid_field", "objective");
    assertError(api.post("/v1/models/mult-vae/train", new JsonObject().put("objective", "ips")
        .put("propensity", "magic")), 400, "invalid_field", "propensity");
    assertError(api.post("/v1/models/click-mlp/train", new JsonObject().put("propensity", "popularity")),
        400, "invalid_field", "propensity");
    assertError(api.post("/v1/models/mult-vae/train", new JsonObject().put("objective", 3)), 400,
        "invalid_parameter", "objective");
  }

  @Test
  void debiasedModelsTrainAndTheRegistryRecordsTheirObjective() {
    String vae = api.server().training().trainAndWait("mult-vae", new TrainingRequest(3, "snips", "popularity"))
        .await();
    String click = api.server().training().trainAndWait("click-mlp", new TrainingRequest(2, "dr", null)).await();
    String exposure = api.server().training().trainAndWait("exposure", 3).await();
    ModelRepository.ModelRow v = row(vae);
    assertEquals("snips", v.params().getString("objective"));
    assertEquals("popularity", v.params().getString("propensity"));
    assertTrue(v.metrics().getDouble("ndcg@100") > 0, v.metrics().encode());
    ModelRepository.ModelRow c = row(click);
    assertEquals("dr", c.params().getString("objective"));
    assertTrue(c.metrics().getDouble("auc") > 0.5, c.metrics().encode());
    ModelRepository.ModelRow e = row(exposure);
    assertEquals(10, e.metrics().getJsonArray("calibration").size());
    assertTrue(e.metrics().getDouble("expected_calibration_error") < 0.05, e.metrics().encode());
    JsonArray listed = api.get("/v1/models").bodyAsJsonObject().getJsonArray("models");
    assertTrue(listed.stream().anyMatch(o -> ((JsonObject) o).getString("version").equals(version)
        && ((JsonObject) o).getJsonObject("metrics").containsKey("mean_uplift")), listed.encode());
  }

  @Test
  void offPolicyEvaluationOfAModelVersionFromTheLoggedImpressions() {
    String vae = api.server().training().trainAndWait("mult-vae", 3).await();
    HttpResponse<Buffer> r = api.post("/v1/evaluate", new JsonObject().put("ope",
        new JsonObject().put("policy", vae).put("temperature", 2.0)));
    JsonObject job = api.awaitJob(r);
    assertEquals("succeeded", job.getString("status"), job.encode());
    JsonObject b = job.getJsonObject("result");
    assertEquals("ope", b.getString("protocol"));
    assertEquals(vae, b.getJsonObject("policy").getString("version"));
    JsonObject dataset = b.getJsonObject("dataset");
    assertEquals("slate-level", dataset.getString("propensities"), "the simulator logs slate-inclusion propensities");
    assertTrue(dataset.getInteger("sessions") > 100, b.encode());
    assertEquals(0, dataset.getInteger("sessions_skipped_without_propensities"));
    assertTrue(b.getDouble("logging_policy_value") > 0, b.encode());
    assertTrue(b.getDouble("ess") > 0, b.encode());
    for (String e : Set.of("ips", "snips", "dm", "dr")) {
      JsonObject x = b.getJsonObject("estimates").getJsonObject(e);
      assertTrue(x.getDouble("value") >= 0 && x.getDouble("low") <= x.getDouble("high"), e + " " + x.encode());
    }
    assertError(api.post("/v1/evaluate", new JsonObject().put("ope", new JsonObject().put("policy", vae)
        .put("temperature", -1))), 400, "invalid_parameter", "temperature");
    assertError(api.post("/v1/evaluate", new JsonObject().put("ope", new JsonObject()
        .put("policy", "mult-vae-none"))), 404, "unknown_policy", "policy");
    assertError(api.post("/v1/evaluate", new JsonObject().put("ope", "yes")), 400, "invalid_parameter", "ope");
    // what the log cannot weigh is found by the run: the job fails and says why
    JsonObject refused = api.awaitJob(api.post("/v1/evaluate", new JsonObject().put("ope",
        new JsonObject().put("policy", vae).put("reward", "click"))));
    assertEquals("failed", refused.getString("status"));
    assertTrue(refused.getString("error").startsWith("policy: "), refused.encode());
  }

  private static ModelRepository.ModelRow row(String version) {
    return new ModelRepository(api.server().pool()).list().await().stream().filter(r -> r.version().equals(version))
        .findFirst().orElseThrow();
  }

  @Test
  void theLiveFeedRanksByUpliftWhenAsked() throws Exception {
    java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
    // the handler is set before connecting, so the list sent on connect cannot arrive before it
    io.vertx.core.http.ClientWebSocket ws = api.server().vertx().createWebSocketClient().webSocket();
    ws.textMessageHandler(got::add);
    ws.connect(api.port(), "127.0.0.1", "/v1/feed?user=u3&n=5&objective=uplift").await();
    JsonObject first = new JsonObject(got.poll(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals("uplift", first.getString("objective"));
    assertEquals(version, first.getString("model_version"));
    JsonArray items = first.getJsonArray("items");
    assertEquals(5, items.size());
    double last = Double.POSITIVE_INFINITY;
    for (Object o : items) {
      double u = ((JsonObject) o).getDouble("uplift");
      assertTrue(u <= last, "sorted by uplift: " + items.encode());
      last = u;
    }
    ws.close().await();
  }
}
