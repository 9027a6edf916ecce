package org.causalrec;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.causalrec.config.Config;
import org.causalrec.ingest.IngestService;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.StoreHandle;

/** Configs, worlds and events for tests that run on real stores. */
public final class TestEnv {

  private TestEnv() {}

  /**
   * The default configuration on {@code dir}, HTTP port 0, local interface only; in a
   * {@link TestDatabase} class its database is the test's own on the shared server.
   */
  public static Config config(Path dir) {
    return Config.builder().setHttpHost("127.0.0.1").setHttpPort(0).setDataDir(dir).setDevice("cpu")
        .setStream(new Config.StreamConfig("tailer", 500, 200))
        .setModels(new Config.ModelConfig(20, 0, Config.defaults().models().excludeTypes()))
        .setPgUrl(PostgresExtension.currentUrl())
        .build();
  }

  /**
   * Simulates the world of {@code spec} and {@code seed} into the store through the in-process
   * ingest path, writing its ground truth to {@code truth}.
   */
  public static SimulationRun.Summary simulate(StoreHandle store, WorldSpec spec, long seed, Path truth) {
    return SimulationRun.run(new Simulator(World.generate(spec, seed)),
        Sinks.inProcess(IngestService.on(store.pool(), Config.defaults())), truth, 2_000, m -> { });
  }

  /** Polls {@code done} until it holds, for 120 s at most. */
  public static void waitFor(BooleanSupplier done, String what) {
    waitFor(done, Duration.ofSeconds(120), what);
  }

  /** Polls {@code done} every 50 ms until it holds; fails naming {@code what} after {@code timeout}. */
  public static void waitFor(BooleanSupplier done, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what, e);
      }
    }
  }

  /** A valid click event. */
  public static JsonObject click(String eventId, String user, String item) {
    JsonObject e = new JsonObject().put("user_id", user).put("item_id", item).put("type", "click");
    if (eventId != null) {
      e.put("event_id", eventId);
    }
    return e;
  }
}
