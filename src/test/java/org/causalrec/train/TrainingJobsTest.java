package org.causalrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.causalrec.ingest.IngestService;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.store.StoreHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job runner on the tiny simulated world of a shop that logs its feedback but not
 * its impressions: a Mult-VAE run goes from training to ready with its metrics, data snapshot and
 * artifact, and the runner refuses unknown kinds (404), bad options (400) and a second run of a
 * kind (409) before registering anything; the kinds that learn from impressions fail for want of
 * them, are marked failed with their error, and leave the runner usable.
 */
@TestDatabase
class TrainingJobsTest {

  @TempDir
  static Path dir;

  static StoreHandle store;
  static ModelRepository registry;
  static TrainingJobs jobs;
  static final List<JsonObject> progress = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    store = StoreHandle.open(TestEnv.config(dir));
    SimulationRun.Sink all = Sinks.inProcess(IngestService.on(store.pool(), Config.defaults()));
    // half the tiny world's users and items: enough for the Mult-VAE's held-out users, quick to ingest
    WorldSpec spec = new WorldSpec("custom", 100, 60, 8, 4, 6, 0.10, 1.0);
    SimulationRun.run(new Simulator(World.generate(spec, 5)), new SimulationRun.Sink() {
      @Override
      public Future<?> items(JsonArray items) {
        return all.items(items);
      }

      @Override
      public Future<?> users(JsonArray users) {
        return all.users(users);
      }

      @Override
      public Future<JsonObject> events(JsonArray events) {
        JsonArray withoutImpressions = new JsonArray();
        events.forEach(e -> {
          if (!((JsonObject) e).getString("type").equals("impression")) {
            withoutImpressions.add(e);
          }
        });
        return all.events(withoutImpressions);
      }
    }, dir.resolve("truth"), 2_000, m -> { });
    registry = new ModelRepository(store.pool());
    jobs = new TrainingJobs(store.vertx(), store.pool(), new EventRepository(store.pool()), registry, TestEnv.config(dir),
        Device.cpu());
    store.vertx().eventBus().<JsonObject>consumer(TrainingJobs.PROGRESS_ADDRESS, m -> progress.add(m.body()));
  }

  @AfterAll
  static void stop() {
    jobs.close().await();
    store.close();
  }

  WorkerExecutor trainingWorker;

  @BeforeEach
  void shareTheTrainingWorker() {
    // the runner's named pool has one thread: a task of ours holding it keeps the next run waiting
    trainingWorker = store.vertx().createSharedWorkerExecutor(TrainingJobs.WORKER_POOL, 1);
  }

  @AfterEach
  void releaseTheTrainingWorker() {
    trainingWorker.close().await();
  }

  /** Occupies the training worker until the returned latch is counted down. */
  CountDownLatch holdTheWorker() {
    CountDownLatch release = new CountDownLatch(1);
    trainingWorker.executeBlocking(() -> {
      release.await();
      return null;
    });
    return release;
  }

  static ModelRepository.ModelRow row(String version) {
    return registry.list().await().stream().filter(r -> r.version().equals(version)).findFirst().orElseThrow();
  }

  static ApiException refusal(Future<?> f) {
    Throwable t = f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)).await();
    return assertInstanceOf(ApiException.class, t);
  }

  static Throwable failure(Future<?> f) {
    Throwable t = f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)).await();
    assertNotNull(t, "expected the run to fail");
    return t;
  }

  static void waitFor(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.onSpinWait();
    }
  }

  /** (kind, version) of every ready version announced, in order. */
  static List<List<String>> ready() {
    return progress.stream().filter(m -> "ready".equals(m.getString("status")))
        .map(m -> List.of(m.getString("kind"), m.getString("version"))).toList();
  }

  static List<JsonObject> progressOf(String version) {
    return progress.stream().filter(m -> version.equals(m.getString("version"))).toList();
  }

  static long maxEventId() {
    return store.pool().query("SELECT max(id) FROM events").execute().await().iterator().next().getLong(0);
  }

  @Test
  void aRunIsRegisteredAsTrainingThenReadyWithItsMetricsDataSnapshotAndArtifact() throws Exception {
    CountDownLatch release = holdTheWorker();
    int rows = registry.list().await().size();
    Future<String> done = jobs.trainAndWait("mult-vae", new TrainingRequest(2, null, null));
    assertTrue(jobs.isRunning("mult-vae"));
    waitFor(() -> registry.list().await().size() > rows, "the run was never registered");
    ModelRepository.ModelRow training = registry.list().await().get(0);
    String version = training.version();
    assertEquals("mult-vae", training.kind());
    assertEquals("training", training.status());
    assertEquals(new JsonObject().put("objective", "naive").put("epochs", 2), training.params());
    assertEquals(Device.cpu().toString(), training.device());
    assertNull(training.finishedAt());
    assertFalse(done.isComplete());
    release.countDown();

    assertEquals(version, done.await());
    assertFalse(jobs.isRunning("mult-vae"));
    ModelRepository.ModelRow r = row(version);
    assertEquals("ready", r.status());
    assertNull(r.error());
    assertNotNull(r.finishedAt());
    assertEquals(maxEventId(), r.maxEventId(), "the data snapshot is the last event read");
    assertEquals("naive", r.params().getString("objective"));
    assertEquals(2, r.params().getInteger("epochs"));
    assertTrue(r.params().getInteger("train_users") >= 80, r.params().encode());
    assertTrue(r.metrics().getDouble("ndcg@100") > 0, r.metrics().encode());
    assertTrue(r.metrics().getJsonObject("popularity").containsKey("ndcg@100"), r.metrics().encode());
    assertEquals(2, r.metrics().getJsonArray("curve").size(), "one point per epoch");
    Path artifact = dir.resolve("models").resolve(version);
    assertEquals(artifact.toString(), r.artifact());
    assertTrue(Files.isRegularFile(artifact.resolve("items.json")));
    assertTrue(Files.isRegularFile(artifact.resolve("mult-vae.json")));
    waitFor(() -> progressOf(version).stream().anyMatch(m -> m.getString("status").equals("ready")),
        "the ready message never arrived");
    assertTrue(ready().contains(List.of("mult-vae", version)), "the ready version is announced: " + ready());
    List<JsonObject> messages = progressOf(version);
    List<Integer> epochs = new ArrayList<>();
    for (JsonObject m : messages.subList(0, messages.size() - 1)) {
      assertEquals("training", m.getString("status"), m.encode());
      assertEquals("mult-vae", m.getString("kind"), m.encode());
      assertEquals(2, m.getInteger("epochs"), m.encode());
      if (m.getInteger("epoch") > 0) { // epoch 0: the run has started
        assertTrue(Double.isFinite(m.getDouble("loss")), m.encode());
      }
      epochs.add(m.getInteger("epoch"));
    }
    assertEquals(List.of(0, 1, 2), epochs);
    JsonObject last = messages.get(messages.size() - 1);
    assertEquals("ready", last.getString("status"));
    assertEquals("mult-vae", last.getString("kind"));
    assertEquals(r.metrics(), last.getJsonObject("metrics"));
  }

  @Test
  void unknownKindsAndBadOptionsAreRefusedBeforeAnythingIsRegistered() {
    int rows = registry.list().await().size();
    ApiException unknown = refusal(jobs.start("teleporter", TrainingRequest.epochs(1)));
    assertEquals(404, unknown.status());
    assertEquals("unknown_model_kind", unknown.error());
    assertEquals("kind", unknown.toJson().getString("field"));
    assertTrue(unknown.getMessage().contains("click-mlp, exposure, mult-vae, uplift"), unknown.getMessage());

    record Bad(String kind, TrainingRequest request, String field) {}
    for (Bad bad : List.of(
        new Bad("mult-vae", new TrainingRequest(1, "magic", null), "objective"),
        new Bad("mult-vae", new TrainingRequest(1, "dr", null), "objective"),
        new Bad("mult-vae", new TrainingRequest(1, "ips", "magic"), "propensity"),
        new Bad("click-mlp", new TrainingRequest(1, null, "popularity"), "propensity"),
        new Bad("exposure", new TrainingRequest(1, "ips", null), "objective"),
        new Bad("uplift", new TrainingRequest(null, null, "learned"), "propensity"),
        new Bad("mult-vae", new TrainingRequest(0, null, null), "epochs"),
        new Bad("click-mlp", new TrainingRequest(10_001, null, null), "epochs"),
        new Bad("uplift", new TrainingRequest(-3, null, null), "epochs"))) {
      ApiException e = refusal(jobs.trainAndWait(bad.kind(), bad.request()));
      assertEquals(400, e.status(), bad.toString());
      assertEquals(bad.field(), e.toJson().getString("field"), bad + ": " + e.getMessage());
    }
    assertEquals(rows, registry.list().await().size(), "a refused request registers nothing");
    for (String kind : TrainingJobs.kinds()) {
      assertFalse(jobs.isRunning(kind), kind + " is not left marked running");
    }
  }

  @Test
  void oneRunPerKindAtATimeOtherKindsAreAccepted() {
    CountDownLatch release = holdTheWorker();
    Future<String> first = jobs.start("mult-vae", new TrainingRequest(1, null, null));
    Future<String> second = jobs.start("mult-vae", new TrainingRequest(1, "snips", null));
    ApiException conflict = refusal(second);
    assertEquals(409, conflict.status());
    assertEquals("training_running", conflict.error());
    assertEquals("kind", conflict.toJson().getString("field"));
    String version = first.await();
    assertTrue(jobs.isRunning("mult-vae"));
    String exposure = jobs.start("exposure", TrainingRequest.epochs(1)).await();
    assertTrue(jobs.isRunning("exposure"), "another kind starts while the Mult-VAE waits");
    assertEquals(409, refusal(jobs.start("mult-vae", TrainingRequest.epochs(1))).status(), "still running");
    assertEquals(List.of(exposure, version), registry.list().await().stream()
        .filter(r -> r.status().equals("training")).map(ModelRepository.ModelRow::version).toList(),
        "the refused runs registered nothing");
    release.countDown();
    waitFor(() -> !jobs.isRunning("mult-vae") && !jobs.isRunning("exposure"), "the runs never finished");
    assertEquals("ready", row(version).status());
    assertEquals("failed", row(exposure).status(), "no impressions are logged");
  }

  @Test
  void aRunThatFailsIsMarkedFailedWithItsErrorAndTheRunnerStaysUsable() {
    String expected = "not enough impressions to train a click model: 0";
    int readyBefore = ready().size();
    Throwable err = failure(jobs.trainAndWait("click-mlp", TrainingRequest.epochs(1)));
    assertInstanceOf(IllegalStateException.class, err);
    assertEquals(expected, err.getMessage());
    assertFalse(jobs.isRunning("click-mlp"));
    ModelRepository.ModelRow r = registry.list().await().get(0);
    assertEquals("click-mlp", r.kind());
    assertEquals("failed", r.status());
    assertEquals(expected, r.error());
    assertNotNull(r.finishedAt());
    assertNull(r.artifact());
    assertNull(r.maxEventId());
    waitFor(() -> progressOf(r.version()).stream().anyMatch(m -> m.getString("status").equals("failed")),
        "the failure was never published");
    JsonObject published = progressOf(r.version()).get(progressOf(r.version()).size() - 1);
    assertEquals(new JsonObject().put("version", r.version()).put("kind", "click-mlp").put("status", "failed")
        .put("error", expected), published);

    Throwable exposure = failure(jobs.trainAndWait("exposure", 1));
    assertTrue(exposure.getMessage().startsWith("not enough impressions to learn exposure from: 0"),
        exposure.getMessage());
    assertEquals(readyBefore, ready().size(), "failed runs announce no ready version");

    String version = jobs.trainAndWait("mult-vae", 1).await();
    assertEquals("ready", row(version).status(), "the runner trains on after failures");
    waitFor(() -> ready().contains(List.of("mult-vae", version)), "the ready message never arrived");
    assertEquals(List.of("mult-vae", version), ready().get(ready().size() - 1));
    assertTrue(failure(jobs.trainAndWait("click-mlp", TrainingRequest.epochs(1))).getMessage().equals(expected),
        "the failed kind is not left running");
  }
}
