package org.causalrec.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.causalrec.ingest.IngestService;
import org.causalrec.store.StoreHandle;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.causalrec.server.Server;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.EventRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator writes through the ingest path, in-process and over HTTP, with its ground truth. */
@TestDatabase
class SimulationIngestTest {

  @TempDir
  Path dir;

  @Test
  void inProcessAndOverHttpStoreTheSameWorldOnceWithItsTruth() throws Exception {
    Config config = TestEnv.config(dir);
    try (StoreHandle store = StoreHandle.open(config)) {
      Simulator sim = new Simulator(World.generate(WorldSpec.named("tiny"), 21));
      Path truth = dir.resolve("truth");
      SimulationRun.Summary s = SimulationRun.run(sim, Sinks.inProcess(IngestService.on(store.pool(), Config.defaults())), truth, 700, m -> { });
      EventRepository events = new EventRepository(store.pool());
      assertEquals(s.events(), s.accepted());
      assertEquals(s.events(), events.count().await());
      assertEquals(120L, new CatalogRepository(store.pool()).itemCount().await());

      assertTrue(Files.readString(truth.resolve("world.json")).contains("\"seed\" : 21"));
      assertEquals(121, Files.readAllLines(truth.resolve("items.tsv")).size());
      assertEquals(201, Files.readAllLines(truth.resolve("users.tsv")).size());
      long truthRows;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(truth.resolve("exposures.tsv.gz")))))) {
        assertEquals(Simulator.TRUTH_HEADER, r.readLine());
        truthRows = r.lines().count();
      }
      assertTrue(truthRows > 1_000, "truth rows: " + truthRows);

      // The same world again, over the REST API of a running server: every event is a duplicate.
      Server server = Server.start(config, store);
      SimulationRun.Summary again = SimulationRun.run(sim,
          Sinks.http(server.vertx(), server.baseUrl(), null), dir.resolve("truth2"), 1000, m -> { });
      assertEquals(s.events(), again.events());
      assertEquals(0, again.accepted());
      assertEquals(s.events(), events.count().await());
      server.close();
    }
  }
}
