package org.causalrec.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training and evaluation as jobs; serving a chosen version, pinned across later training and restarts. */
@TestDatabase
class JobsTest {

  @TempDir
  Path dir;

  private static String version(ApiFixture api, JsonObject job) {
    return job.getJsonObject("result").getString("version");
  }

  @Test
  void trainingIsAJobWithProgressAndAResult() {
    try (ApiFixture api = ApiFixture.builder(dir).world("tiny", 2).start()) {
      var accepted = api.post("/v1/models/mult-vae/train", new JsonObject().put("epochs", 3));
      assertEquals(202, accepted.statusCode(), accepted.bodyAsString());
      String jobId = accepted.bodyAsJsonObject().getString("job_id");
      String version = accepted.bodyAsJsonObject().getString("version");
      JsonObject job = api.awaitJob(accepted);
      assertEquals(jobId, job.getString("id"));
      assertEquals("succeeded", job.getString("status"), job.encode());
      assertEquals("train", job.getString("type"));
      assertEquals(version, version(api, job));
      assertEquals("ready", job.getJsonObject("result").getString("status"));
      assertTrue(job.getJsonObject("result").getJsonObject("metrics").getDouble("ndcg@100") > 0, job.encode());
      assertEquals(3, job.getJsonObject("progress").getInteger("epoch"), "the last epoch's progress: " + job.encode());
      assertEquals(1.0, job.getJsonObject("progress").getDouble("fraction"));
      assertTrue(job.getString("finished_at") != null);
      JsonArray listed = api.get("/v1/jobs").bodyAsJsonObject().getJsonArray("jobs");
      assertEquals(jobId, listed.getJsonObject(0).getString("id"));
      assertEquals(404, api.get("/v1/jobs/train-none").statusCode());

      // a run that fails ends its job failed, with the reason
      var badEval = api.post("/v1/evaluate", new JsonObject().put("protocol", "random-exposure"));
      JsonObject failed = api.awaitJob(badEval);
      assertEquals("failed", failed.getString("status"), failed.encode());
      assertTrue(failed.getString("error").startsWith("protocol: "), failed.encode());
    }
  }

  @Test
  void aServedVersionIsPinnedAcrossTrainingAndRestarts() {
    try (ApiFixture api = ApiFixture.builder(dir).world("tiny", 2).start()) {
      String first = version(api, api.awaitJob(api.post("/v1/models/mult-vae/train", new JsonObject().put("epochs", 1))));
      String second = version(api, api.awaitJob(api.post("/v1/models/mult-vae/train",
          new JsonObject().put("epochs", 1))));
      api.waitServing(second);

      // roll back to the first version: it serves at once and stays through later training
      var served = api.post("/v1/models/" + first + "/serve", new JsonObject());
      assertEquals(200, served.statusCode(), served.bodyAsString());
      assertEquals(new JsonObject().put("kind", "mult-vae").put("version", first).put("pinned", true),
          served.bodyAsJsonObject());
      assertEquals(first, api.server().servingVersion());
      assertEquals(first, api.get("/v1/users/u3/recommendations?n=3&objective=relevance").bodyAsJsonObject()
          .getString("model_version"));
      String third = version(api, api.awaitJob(api.post("/v1/models/mult-vae/train",
          new JsonObject().put("epochs", 1))));
      assertEquals(first, api.server().servingVersion(), "a pinned kind does not switch to " + third);
      JsonObject serving = api.get("/v1/models").bodyAsJsonObject().getJsonObject("serving");
      assertEquals(new JsonObject().put("version", first).put("pinned", true), serving.getJsonObject("mult-vae"));

      api.restart();
      assertEquals(first, api.server().servingVersion(), "the pin survives a restart");

      var unpinned = api.request(HttpMethod.DELETE, "/v1/models/mult-vae/pin").send().await();
      assertEquals(200, unpinned.statusCode(), unpinned.bodyAsString());
      assertEquals(third, unpinned.bodyAsJsonObject().getString("version"));
      assertEquals(third, api.server().servingVersion());

      assertEquals(404, api.post("/v1/models/mult-vae-99/serve", new JsonObject()).statusCode());
      var notServed = api.post("/v1/models/mult-vae/serve", new JsonObject());
      assertEquals(404, notServed.statusCode(), "a kind is not a version");
      assertNotEquals(200, api.request(HttpMethod.DELETE, "/v1/models/exposure/pin").send().await().statusCode());
    }
  }

  @Test
  void aRunInProgressAtAStopIsAbandonedAndItsJobMarkedInterrupted() {
    try (ApiFixture api = ApiFixture.builder(dir).world("tiny", 2).start()) {
      var accepted = api.post("/v1/models/mult-vae/train", new JsonObject().put("epochs", 5_000));
      String url = accepted.bodyAsJsonObject().getString("job_url");
      org.causalrec.TestEnv.waitFor(() -> api.get(url).bodyAsJsonObject().getJsonObject("progress") != null,
          "the run reports progress");
      api.restart();
      JsonObject job = api.get(url).bodyAsJsonObject();
      assertEquals("interrupted", job.getString("status"), job.encode());
      assertTrue(job.getString("error").contains("abandoned: the node is stopping"), job.encode());
      assertTrue(job.getJsonObject("progress").getInteger("epoch") < 5_000, "stopped at an epoch's end, not run out");
      JsonObject row = api.get("/v1/models").bodyAsJsonObject().getJsonArray("models").getJsonObject(0);
      assertEquals("failed", row.getString("status"), row.encode());
      assertTrue(java.nio.file.Files.notExists(dir.resolve("models").resolve(row.getString("version"))),
          "the abandoned run's files are removed");
    }
  }
}
