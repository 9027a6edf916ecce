package org.causalrec.cli;

import org.causalrec.causal.UpliftModel;
import io.vertx.core.Future;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.MultVae;
import java.nio.file.Path;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.StoreHandle;
import java.util.concurrent.Callable;
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.EventRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code causalrec demo}: embedded store, the small simulated world when empty, and the server. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start the server on the embedded store, generating the small demo world when the store is empty.")
public final class DemoCommand implements Callable<Integer> {

  static final long DEMO_SEED = 42;

  @Mixin
  CommonOptions common;

  @Mixin
  PortOptions port;

  @Mixin
  WorldOptions world;

  @Override
  public Integer call() throws InterruptedException {
    Config config = port.applyTo(common.config());
    ServeCommand.runUntilStopped(config, store -> seedIfEmpty(config, store), server -> {
      trainIfNoModel(server);
      trainInBackground(server);
      printTryThis(server);
    });
    return 0;
  }

  private void seedIfEmpty(Config config, StoreHandle store) {
    long events = new EventRepository(store.pool()).count().await();
    if (events > 0) {
      System.out.println("Store in " + config.dataDir().toAbsolutePath() + " holds " + events
          + " events: reusing them.");
      return;
    }
    WorldSpec spec = world.spec();
    System.out.println("Empty store: generating the " + spec.name() + " world (" + spec.users() + " users x "
        + spec.items() + " items, seed " + DEMO_SEED + ") ...");
    Path truth = SimulationRun.defaultTruthDir(config.dataDir(), spec, DEMO_SEED);
    SimulationRun.Summary s = SimulationRun.run(new Simulator(World.generate(spec, DEMO_SEED)),
        Sinks.inProcess(IngestService.on(store, config)), truth, 2_000, msg -> { });
    System.out.printf("Stored %d events for %d users and %d items in %.1f s (ground truth in %s)%n",
        s.accepted(), s.users(), s.items(), s.seconds(), truth);
  }

  private static void trainIfNoModel(Server server) {
    if (server.servingVersion() != null) {
      System.out.println("Serving model " + server.servingVersion() + ".");
      return;
    }
    System.out.println("No model yet: training Mult-VAE on the stored events ...");
    long t0 = System.nanoTime();
    String version = server.training().trainAndWait(MultVae.KIND.name(), (Integer) null).await();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!version.equals(server.servingVersion()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    System.out.printf("Trained %s in %.1f s; it serves the recommendations.%n", version, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Trains, one after the other, the click MLP (the second stage: click probabilities on every
   * recommendation) and the uplift model, each when none serves; the server answers meanwhile
   * (recommendations by relevance until the click model serves; what-if says 503 until the uplift
   * model does).
   */
  private static void trainInBackground(Server server) {
    Future<String> click;
    if (server.clickModelVersion() != null) {
      System.out.println("Serving click model " + server.clickModelVersion() + ".");
      click = Future.succeededFuture();
    } else {
      long t0 = System.nanoTime();
      click = server.training().trainAndWait(ClickMlp.KIND.name(), (Integer) null)
          .onSuccess(v -> System.out.printf("Trained click model %s in %.1f s: recommendations carry click"
              + " probabilities and are ordered by them.%n", v, (System.nanoTime() - t0) / 1e9))
          .onFailure(err -> System.out.println("The click model did not train: " + err.getMessage()));
      System.out.println("Training the click model (calibrated click probabilities) in the background ...");
    }
    if (server.upliftVersion() != null) {
      System.out.println("Serving uplift model " + server.upliftVersion() + ".");
      return;
    }
    click.transform(ar -> {
      long t0 = System.nanoTime();
      System.out.println("Training the uplift model (exposure propensities, then uplift) in the background ...");
      return server.training().trainAndWait(UpliftModel.KIND.name(), (Integer) null)
          .onSuccess(v -> System.out.printf("Trained uplift model %s in %.1f s: what-if answers and"
              + " objective=uplift are on.%n", v, (System.nanoTime() - t0) / 1e9))
          .onFailure(err -> System.out.println("The uplift model did not train: " + err.getMessage()));
    });
  }

  private static void printTryThis(Server server) {
    String url = server.baseUrl();
    System.out.println();
    System.out.println("Dashboard (live feed, events, models, charts): open " + url + "/ in a browser");
    System.out.println();
    System.out.println("Try:");
    System.out.println("  curl " + url + "/health/ready");
    System.out.println("  curl " + url + "/v1/items?limit=3");
    System.out.println("  curl " + url + "/v1/users/u1");
    System.out.println("  curl '" + url + "/v1/users/u1/events?limit=5'");
    System.out.println("  curl '" + url + "/v1/users/u1/recommendations?n=5'");
    System.out.println("  curl '" + url + "/v1/users/u1/recommendations?n=5&category=books'");
    System.out.println("  curl '" + url + "/v1/users/u1/what-if?item=i42'               # once the uplift model is ready");
    System.out.println("  curl '" + url + "/v1/users/u1/recommendations?n=5&objective=uplift'");
    System.out.println("  curl '" + url + "/v1/items/i42/similar?n=5'                  # item texts embed in the background");
    System.out.println("  curl '" + url + "/v1/search?q=waterproof%20hiking%20gear&n=5'");
    System.out.println("  curl " + url + "/v1/models");
    System.out.println("  websocat '" + url.replace("http", "ws") + "/v1/feed?user=u1&n=5'   # the live feed (any WebSocket client)");
    System.out.println("  curl -X POST " + url + "/v1/events -H 'content-type: application/json' \\");
    System.out.println("       -d '[{\"user_id\":\"u1\",\"item_id\":\"i7\",\"type\":\"click\"}]'");
    System.out.println();
  }
}
