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
    assertFalse(c.auth().enabled(), "no key: every route open");
    assertEquals(8, c.poolSize());
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
    assertEquals(AuthConfig.Role.ADMIN, withEnv.auth().roleOf("secret"));
  }

  @Test
  void jsonFilesAreReadToo() throws Exception {
    Path f = dir.resolve("causalrec.json");
    Files.writeString(f, "{\"http\": {\"port\": 7000}, \"api_key\": \"k\"}");
    Config c = ConfigLoader.load(f, Map.of());
    assertEquals(7000, c.httpPort());
    assertEquals(AuthConfig.Role.ADMIN, c.auth().roleOf("k"));
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

  @Test
  void everyKeyIsReadFromAFileAndFromItsVariable() throws Exception {
    Config defaults = ConfigLoader.load(null, Map.of());
    StringBuilder yaml = new StringBuilder();
    Map<String, String> env = new java.util.HashMap<>();
    for (Settings.Key k : ConfigLoader.keys()) {
      assertEquals("CAUSALREC_" + k.name().toUpperCase(java.util.Locale.ROOT).replace('.', '_'), k.env());
      if (k.dflt().isEmpty()) {
        continue; // unset by default (pg_url, keys): nothing to write back
      }
      String[] path = k.name().split("\\.");
      yaml.append(path.length == 1 ? "" : path[0] + ":\n  ").append(path[path.length - 1]).append(": ")
          .append(k.type().equals("list") ? "[" + k.dflt() + "]" : k.dflt()).append("\n");
      env.put(k.env(), k.dflt());
    }
    Path f = dir.resolve("every.yaml");
    Files.writeString(f, yaml.toString());
    assertEquals(defaults, ConfigLoader.load(f, Map.of()), "each key at its default, from a file:\n" + yaml);
    assertEquals(defaults, ConfigLoader.load(null, env), "each key at its default, from the environment");

    Config changed = ConfigLoader.load(null, Map.of("CAUSALREC_SERVING_CACHE_SIZE", "5",
        "CAUSALREC_CAUSAL_CLICK_OBJECTIVE", "dr", "CAUSALREC_PG_POOL_SIZE", "20", "CAUSALREC_LOG_FORMAT", "json",
        "CAUSALREC_HTTP_CORS_ORIGINS", "https://a.example, https://b.example:8443",
        "CAUSALREC_EVENTS_TYPES", "{like: 3, review: {weight: 2, value_required: true}}",
        "CAUSALREC_MODELS_EXCLUDE_TYPES", "purchase"));
    assertEquals(5, changed.serving().cacheSize());
    assertEquals("dr", changed.causal().clickObjective());
    assertEquals(20, changed.poolSize());
    assertEquals("json", changed.log().format());
    assertEquals(java.util.List.of("https://a.example", "https://b.example:8443"), changed.http().corsOrigins());
    assertEquals(3.0, changed.eventTypes().weight("like"));
    assertTrue(changed.eventTypes().get("review").valueRequired());
    assertEquals(java.util.Set.of("purchase"), changed.models().excludeTypes());
  }

  @Test
  void unknownKeysAreAnErrorThatNamesThem() throws Exception {
    Path f = dir.resolve("typo.yaml");
    Files.writeString(f, "http:\n  prot: 9000\nserving:\n  cache_size: 10\n  cahce: 1\nverbose: true\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(f, Map.of()));
    assertTrue(e.getMessage().contains("http.prot, serving.cahce, verbose"), e.getMessage());
    Files.writeString(f, "events:\n  types:\n    like: {wieght: 2}\n");
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(f, Map.of()));
    assertTrue(type.getMessage().contains("wieght"), type.getMessage());
    // a variable that is no setting is ignored (orchestrators add their own CAUSALREC_* names)
    assertEquals(ConfigLoader.load(null, Map.of()), ConfigLoader.load(null, Map.of("CAUSALREC_PORT", "tcp://x:1")));
  }

  @Test
  void keysAreKeptAsDigestsWithTheirRoles() throws Exception {
    String digest = AuthConfig.digest("reader-key");
    Path f = dir.resolve("keys.yaml");
    Files.writeString(f, "auth:\n  read_keys: [\"sha256:" + digest + "\"]\n  write_keys: [writer-key]\n");
    Config c = ConfigLoader.load(f, Map.of("CAUSALREC_AUTH_ADMIN_KEYS", "a1,a2"));
    assertEquals(AuthConfig.Role.READ, c.auth().roleOf("reader-key"));
    assertEquals(AuthConfig.Role.WRITE, c.auth().roleOf("writer-key"));
    assertEquals(AuthConfig.Role.ADMIN, c.auth().roleOf("a2"));
    assertEquals(null, c.auth().roleOf("sha256:" + digest), "a digest is not itself a key");
    assertFalse(c.toString().contains("writer-key"), "only digests are kept");
  }

  @Test
  void theReferenceTableInTheDocsIsTheCodes() throws Exception {
    Path doc = Path.of("docs/CONFIGURATION.md");
    String text = Files.readString(doc);
    String table = ConfigLoader.referenceTable();
    assertTrue(text.contains(table), "docs/CONFIGURATION.md must hold the table the code prints; run"
        + " ./causalrec config --reference and paste it:\n" + table);
  }

  @Test
  void clusterSettingsComeFromTheFileAndTheEnvironmentAndAreChecked() throws Exception {
    Config alone = ConfigLoader.load(null, Map.of());
    assertFalse(alone.cluster().enabled());
    assertEquals("all", alone.cluster().role());
    assertNull(alone.nodeKey(), "alone, jobs and runs carry no node name");
    assertFalse(alone.cluster().nodeName().isBlank(), "the host's name when none is set");

    Path f = dir.resolve("cluster.yaml");
    Files.writeString(f, """
        pg_url: postgresql://u:p@db:5432/causalrec
        pg_replica_url: postgresql://u:p@replica:5432/causalrec
        cluster:
          enabled: true
          role: api
          node_name: api-1
          members: [10.0.0.2, "10.0.0.3:5702"]
        """);
    Config c = ConfigLoader.load(f, Map.of("CAUSALREC_CLUSTER_PORT", "5801", "CAUSALREC_CLUSTER_HOST", "10.0.0.1"));
    assertTrue(c.cluster().enabled());
    assertEquals("api", c.cluster().role());
    assertFalse(c.cluster().trains());
    assertEquals("api-1", c.nodeKey());
    assertEquals(5801, c.cluster().port());
    assertEquals("10.0.0.1", c.cluster().host());
    assertEquals(java.util.List.of("10.0.0.2", "10.0.0.3:5702"), c.cluster().members());
    assertEquals("postgresql://u:p@replica:5432/causalrec", c.storage().pgReplicaUrl());

    assertRefused("CAUSALREC_CLUSTER_ENABLED", "true", "cluster.enabled needs pg_url");
    assertRefused("CAUSALREC_CLUSTER_ROLE", "trainer", "cluster.role trainer needs cluster.enabled");
    assertRefused("CAUSALREC_CLUSTER_ROLE", "boss", "cluster.role must be all, api or trainer");
    assertRefused("CAUSALREC_CLUSTER_MEMBERS", "a b", "cluster.members");
    assertRefused("CAUSALREC_PG_REPLICA_URL", "postgresql://u:p@r/db", "pg_replica_url needs pg_url");
  }

  /** The variable {@code name} set to {@code value} alone is refused with a message saying {@code why}. */
  private static void assertRefused(String name, String value, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.load(null, Map.of(name, value)));
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }
}
