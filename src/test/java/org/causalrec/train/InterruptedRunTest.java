package org.causalrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.causalrec.ApiFixture;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run a stop interrupted, as a killed node leaves it: registered as training, its folder half
 * written. The next start marks it failed and removes the folder; a ready version's folder stays.
 */
@TestDatabase
class InterruptedRunTest {

  @TempDir
  Path dir;

  @Test
  void theNextStartMarksTheRunFailedAndRemovesItsHalfWrittenFolder() throws Exception {
    String interrupted;
    String ready;
    try (StoreHandle store = StoreHandle.open(TestEnv.config(dir))) {
      ModelRepository registry = new ModelRepository(store.pool());
      interrupted = registry.startTraining("click-mlp", new JsonObject(), "cpu()").await();
      ready = registry.startTraining("click-mlp", new JsonObject(), "cpu()").await();
      registry.markReady(ready, new JsonObject(), new JsonObject(), 0, dir.resolve("models").resolve(ready)
          .toString()).await();
    }
    Path half = Files.createDirectories(dir.resolve("models").resolve(interrupted));
    Files.write(half.resolve("click-mlp-0000.params"), new byte[] {1, 2, 3});
    Path kept = Files.createDirectories(dir.resolve("models").resolve(ready));

    try (ApiFixture api = ApiFixture.builder(dir).start()) {
      JsonObject row = api.get("/v1/models").bodyAsJsonObject().getJsonArray("models").stream()
          .map(JsonObject.class::cast).filter(m -> m.getString("version").equals(interrupted)).findFirst()
          .orElseThrow();
      assertEquals("failed", row.getString("status"));
      assertEquals("interrupted by a restart", row.getString("error"));
      assertFalse(Files.exists(half), "the interrupted run's folder is still there");
      assertTrue(Files.isDirectory(kept), "a ready version's folder was removed");
    }
  }
}
