package org.causalrec.cli;

import io.vertx.core.Vertx;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.StoreHandle;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.causalrec.config.Config;
import org.causalrec.sim.SelfSelection;
import org.causalrec.sim.SimulationRun;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.Sinks;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec simulate}: write a synthetic world into the store (or a running server) with its truth. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Generate a seeded synthetic world through the ingest path and write its ground truth.")
public final class SimulateCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Mixin
  WorldOptions world;

  // Not in WorldOptions: demo's world seed is fixed, and evaluate's --seed seeds the split and training.
  @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--truth-dir", description = "ground-truth folder (default DATA_DIR/sim/SIZE-SEED)")
  Path truthDir;

  @Option(names = "--url", description = "post to a running server's REST API instead of writing in-process")
  String url;

  @Option(names = "--api-key", defaultValue = "${env:CAUSALREC_API_KEY}",
      description = "a write or admin key for --url (or CAUSALREC_API_KEY)")
  String apiKey;

  @Mixin
  BatchOptions batch = new BatchOptions(1000);

  @Option(names = "--self-selection", paramLabel = "DIR", description = "instead of the event world, write a"
      + " Coat-shaped world of self-selected ratings (missing not at random) and a uniformly random test set into DIR"
      + " as Coat's train.ascii and test.ascii, for import --format coat")
  Path selfSelection;

  @Override
  public Integer call() throws java.io.IOException {
    if (selfSelection != null) {
      SelfSelection world = SelfSelection.coatShaped();
      SelfSelection.Ratings r = world.generate(seed);
      SelfSelection.writeCoat(r, selfSelection);
      System.out.printf(Locale.ROOT, "self-selection world seed %d: %d users x %d items, %d chosen and %d random"
          + " ratings per user, written to %s%n", seed, world.users(), world.items(), world.ratedPerUser(),
          world.randomPerUser(), selfSelection);
      return 0;
    }
    Config config = common.config();
    WorldSpec spec = world.spec();
    Path truth = truthDir != null ? truthDir : SimulationRun.defaultTruthDir(config.dataDir(), spec, seed);
    Simulator sim = new Simulator(World.generate(spec, seed));
    SimulationRun.Summary s;
    if (url != null) {
      Vertx vertx = Vertx.vertx();
      try {
        s = SimulationRun.run(sim, Sinks.http(vertx, url, apiKey), truth, batch.size(), System.err::println);
      } finally {
        vertx.close().await();
      }
    } else {
      try (StoreHandle store = StoreHandle.open(config)) {
        s = SimulationRun.run(sim, Sinks.inProcess(IngestService.on(store, config)), truth, batch.size(),
            System.err::println);
      }
    }
    System.out.printf(Locale.ROOT,
        "world %s seed %d: %d users, %d items, %d events generated, %d stored (%d already there), "
            + "%.1f s, %.0f events/s; ground truth in %s%n",
        spec.name(), seed, s.users(), s.items(), s.events(), s.accepted(), s.events() - s.accepted(),
        s.seconds(), s.eventsPerSecond(), s.truthDir());
    return 0;
  }
}
