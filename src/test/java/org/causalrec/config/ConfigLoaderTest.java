package org.causalrec.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void defaultsMatchTheDesign() {
    Config c = ConfigLoader.load(null, Map.of());
    assertEquals(8080, c.httpPort());
    assertEquals(Path.of("data"), c.dataDir());
    assertNull(c.pgUrl());
    assertEquals("auto", c.device());
    assertNull(c.apiKey());
    assertEquals(10_000, c.maxEventsPerRequest());
    assertEquals(40_000, c.maxPendingEvents());
    assertEquals(30_000, c.bodyTimeoutMs());
    assertEquals(4.0, c.eventTypes().weight("purchase"));
    assertTrue(c.eventTypes().get("rating").valueRequired());
  }

  @Test
  void fileThenEnvironment() throws Exception {
    Path f = dir.resolve("causalrec.yaml");
    Files.writeString(f, """
        http:
          port: 9000
          body_timeout_ms: 5000
        data_dir: /var/lib/causalrec
        device: cpu
        events:
          max_per_request: 500
          max_pending: 2000
          types:
            click: 0.5
            like: 3
            review: {weight: 2, value_required: true}
        stream:
          batch_size: 100
        """);
    Config fromFile = ConfigLoader.load(f, Map.of());
    assertEquals(9000, fromFile.httpPort());
    assertEquals(Path.of("/var/lib/causalrec"), fromFile.dataDir());
    assertEquals(500, fromFile.maxEventsPerRequest());
    assertEquals(2_000, fromFile.maxPendingEvents());
    assertEquals(5_000, fromFile.bodyTimeoutMs());
    assertEquals(0.5, fromFile.eventTypes().weight("click"));
    assertEquals(3.0, fromFile.eventTypes().weight("like"));
    assertFalse(fromFile.eventTypes().get("like").valueRequired());
    assertTrue(fromFile.eventTypes().get("review").valueRequired());
    assertEquals(4.0, fromFile.eventTypes().weight("purchase"), "built-in types stay");
    assertEquals(100, fromFile.stream().batchSize());

    Config withEnv = ConfigLoader.load(f, Map.of("CAUSALREC_HTTP_PORT", "0", "CAUSALREC_DATA_DIR", "/tmp/x",
        "CAUSALREC_PG_URL", "postgresql://u:p@db:5432/rec", "CAUSALREC_DEVICE", "GPU",
        "CAUSALREC_API_KEY", "secret"));
    assertEquals(0, withEnv.httpPort());
    assertEquals(Path.of("/tmp/x"), withEnv.dataDir());
    assertEquals("postgresql://u:p@db:5432/rec", withEnv.pgUrl());
    assertEquals("gpu", withEnv.device());
    assertEquals("secret", withEnv.apiKey());
  }

  @Test
  void jsonFilesAreReadToo() throws Exception {
    Path f = dir.resolve("causalrec.json");
    Files.writeString(f, "{\"http\": {\"port\": 7000}, \"api_key\": \"k\"}");
    Config c = ConfigLoader.load(f, Map.of());
    assertEquals(7000, c.httpPort());
    assertEquals("k", c.apiKey());
  }

  @Test
  void invalidValuesAreRefusedWithTheirName() {
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(null, Map.of("CAUSALREC_HTTP_PORT", "eighty")));
    assertTrue(port.getMessage().contains("CAUSALREC_HTTP_PORT"));
    IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(null, Map.of("CAUSALREC_DEVICE", "tpu")));
    assertTrue(device.getMessage().contains("device"));
    assertThrows(IllegalArgumentException.class, () -> EventTypes.defaults().with(new EventTypes.Type("Bad Name", 1, false)));
  }

  @Test
  void theCausalSectionSetsTheDebiasingDefaultsAndRefusesUnknownOnes() throws Exception {
    assertEquals("naive", ConfigLoader.load(null, Map.of()).causal().vaeObjective());
    Path f = dir.resolve("causal.yaml");
    Files.writeString(f, """
        causal:
          vae_objective: snips
          click_objective: dr
          propensity: learned
          min_propensity: 0.02
          popularity_eta: 0.7
          uplift_members: 5
          uplift_min_propensity: 0.01
        """);
    Config.CausalConfig c = ConfigLoader.load(f, Map.of()).causal();
    assertEquals("snips", c.vaeObjective());
    assertEquals("dr", c.clickObjective());
    assertEquals("learned", c.propensity());
    assertEquals(0.02, c.minPropensity());
    assertEquals(0.7, c.popularityEta());
    assertEquals(5, c.upliftMembers());
    assertEquals(0.01, c.upliftMinPropensity());
    assertEquals(8, ConfigLoader.load(null, Map.of()).causal().upliftMembers());
    assertEquals(0.001, ConfigLoader.load(null, Map.of()).causal().upliftMinPropensity());
    Files.writeString(f, "causal: {vae_objective: dr}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(f, Map.of()));
    assertTrue(e.getMessage().contains("causal.vae_objective"), e.getMessage());
    Files.writeString(f, "causal: {min_propensity: 0}\n");
    assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(f, Map.of()));
    // one member has no spread to form an interval from
    Files.writeString(f, "causal: {uplift_members: 1}\n");
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(f, Map.of()));
    assertTrue(one.getMessage().contains("causal.uplift_members"), one.getMessage());
    Files.writeString(f, "causal: {uplift_min_propensity: 0.6}\n");
    IllegalArgumentException floor = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(f, Map.of()));
    assertTrue(floor.getMessage().contains("causal.uplift_min_propensity"), floor.getMessage());
  }
}
