package org.causalrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.causalrec.TestEnv;
import org.causalrec.config.Config;
import org.causalrec.core.ApiException;
import org.junit.jupiter.api.Test;

/** Which kinds can be trained, and how each recipe reads a training request's options. */
class RecipesTest {

  static final Config CONFIG = TestEnv.config(Path.of("unused"));

  /** The configuration with other debiasing defaults and Mult-VAE epochs. */
  static Config withCausal(String vaeObjective, String clickObjective, String propensity, int vaeEpochs) {
    Config.CausalConfig c = CONFIG.causal();
    return CONFIG.toBuilder().setModels(new Config.ModelConfig(vaeEpochs, 0, CONFIG.models().excludeTypes()))
        .setCausal(new Config.CausalConfig(vaeObjective, clickObjective, propensity, c.minPropensity(),
            c.popularityEta()))
        .build();
  }

  static JsonObject options(String kind, String objective, String propensity, Config config) {
    return Recipes.of(kind).options(new TrainingRequest(null, objective, propensity), config);
  }

  /** The 400 {@code options} throws, asserting the field it names. */
  static ApiException refused(String kind, String objective, String propensity, String field) {
    ApiException e = assertThrows(ApiException.class, () -> options(kind, objective, propensity, CONFIG),
        kind + " objective=" + objective + " propensity=" + propensity);
    assertEquals(400, e.status());
    assertEquals("invalid_field", e.error());
    assertEquals(field, e.toJson().getString("field"), e.getMessage());
    return e;
  }

  @Test
  void everyKindIsRegisteredOnceUnderItsModelKindsName() {
    assertEquals(List.of("click-mlp", "exposure", "mult-vae", "uplift"), Recipes.names());
    assertEquals(Recipes.names(), TrainingJobs.kinds());
    for (String kind : Recipes.names()) {
      assertEquals(kind, Recipes.of(kind).kind().name());
    }
    assertNull(Recipes.of("teleporter"));
    assertNull(Recipes.of("Mult-VAE"), "kind names are exact");
  }

  @Test
  void theMultVaeTakesNaiveIpsOrSnipsWithAPropensitySourceOnlyWhenDebiased() {
    assertEquals(new JsonObject().put("objective", "naive"), options("mult-vae", null, null, CONFIG),
        "the configured objective when none is asked for, and no propensity source for naive");
    assertEquals(new JsonObject().put("objective", "ips").put("propensity", "popularity"),
        options("mult-vae", "IPS ", null, CONFIG), "the configured source when none is asked for");
    assertEquals(new JsonObject().put("objective", "snips").put("propensity", "learned"),
        options("mult-vae", "snips", "learned", CONFIG));
    assertEquals(new JsonObject().put("objective", "ips").put("propensity", "learned"),
        options("mult-vae", null, null, withCausal("ips", "naive", "learned", 20)), "both defaults come from causal");

    assertTrue(refused("mult-vae", "dr", null, "objective").getMessage().contains("click-mlp"),
        "the refusal says where dr applies");
    refused("mult-vae", "dr-jl", null, "objective");
    refused("mult-vae", "magic", null, "objective");
    refused("mult-vae", "ips", "magic", "propensity");
    refused("mult-vae", "snips", "Popularity", "propensity");
  }

  @Test
  void aMisspeltPropensitySourceIsRefusedWhateverTheObjective() {
    refused("mult-vae", "naive", "magic", "propensity");
    refused("mult-vae", null, "learnd", "propensity");
    // a valid source with the naive objective is harmless: nothing to weigh, nothing recorded
    assertEquals(new JsonObject().put("objective", "naive"), options("mult-vae", "naive", "learned", CONFIG));
  }

  @Test
  void theClickModelTakesEveryObjectiveButNoPropensitySource() {
    assertEquals(new JsonObject().put("objective", "naive"), options("click-mlp", null, null, CONFIG));
    assertEquals(new JsonObject().put("objective", "dr"), options("click-mlp", "dr-jl", null, CONFIG));
    assertEquals(new JsonObject().put("objective", "snips"), options("click-mlp", "snips", null, CONFIG));
    assertEquals(new JsonObject().put("objective", "dr"),
        options("click-mlp", null, null, withCausal("naive", "dr", "popularity", 20)));
    refused("click-mlp", "magic", null, "objective");
    refused("click-mlp", "ips", "popularity", "propensity");
    refused("click-mlp", null, "learned", "propensity");
  }

  @Test
  void kindsWithoutOptionsRefuseBothAndRecordNone() {
    for (String kind : List.of("exposure", "uplift")) {
      assertEquals(new JsonObject(), options(kind, null, null, CONFIG));
      refused(kind, "ips", null, "objective");
      refused(kind, "naive", null, "objective");
      refused(kind, null, "popularity", "propensity");
    }
  }

  @Test
  void theMultVaesDefaultEpochsAreConfiguredTheOthersFixed() {
    assertEquals(7, Recipes.of("mult-vae").defaultEpochs(withCausal("naive", "naive", "popularity", 7)));
    assertEquals(CONFIG.models().epochs(), Recipes.of("mult-vae").defaultEpochs(CONFIG));
    for (String kind : List.of("click-mlp", "exposure", "uplift")) {
      int epochs = Recipes.of(kind).defaultEpochs(CONFIG);
      assertEquals(epochs, Recipes.of(kind).defaultEpochs(withCausal("naive", "naive", "popularity", 7)), kind);
      assertTrue(epochs >= 1 && epochs <= 10_000, kind + " " + epochs);
    }
  }
}
