package org.causalrec.experiment;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.causalrec.causal.CfFeatures;
import org.causalrec.causal.ExposureModel;
import org.causalrec.causal.UpliftModel;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.model.PairModel;
import org.causalrec.sim.WorldSpec;

/**
 * The causal layer measured against a simulated world's ground truth, one seed at a time: learned
 * exposure propensities against the true ones ({@link PropensityQuality}); click MLP and Mult-VAE
 * trained naive and debiased, ranked by NDCG@10 against true relevance over every item
 * ({@link ClickDebiasing}, {@link VaeDebiasing}); uplift ranking against ranking by conversion
 * probability in true incremental conversions ({@link UpliftRanking}); and off-policy estimates of
 * candidate policies against their true value ({@link OffPolicyAccuracy}); true clicks of the
 * Mult-VAE's top k against its candidates re-ranked by the click MLP ({@link TwoStageRanking}). The
 * log is simulated in memory ({@link CausalWorld}).
 */
public final class CausalExperiment {

  /**
   * Settings.
   *
   * @param spec the world's shape
   * @param evalUsers users whose rankings are scored (a seeded sample)
   * @param k ranking depth
   * @param clickEpochs click MLP epochs
   * @param vaeEpochs Mult-VAE epochs
   * @param pairEpochs exposure model epochs
   * @param upliftEpochs uplift model epochs
   * @param upliftMembers independently trained networks in the uplift ensemble
   * @param minPropensity clipping floor of the click MLP and the Mult-VAE
   * @param upliftMinPropensity clipping floor of the uplift model
   * @param parts which measurements to run: propensity, click, vae, uplift, ope, rank
   */
  public record Settings(WorldSpec spec, int evalUsers, int k, int clickEpochs, int vaeEpochs, int pairEpochs,
      int upliftEpochs, int upliftMembers, double minPropensity, double upliftMinPropensity, Set<String> parts) {

    /** Every measurement. */
    public static final Set<String> ALL = Set.of("propensity", "click", "vae", "uplift", "ope", "rank");

    public Settings {
      if (!ALL.containsAll(parts)) {
        throw new IllegalArgumentException("parts must be among " + ALL);
      }
    }
  }

  private final Settings settings;
  private final Device device;
  private final Consumer<String> progress;

  public CausalExperiment(Settings settings, Device device, Consumer<String> progress) {
    this.settings = settings;
    this.device = device;
    this.progress = progress;
  }

  /** Simulates the world of {@code seed} and runs the measurements of the settings' parts on it. */
  public SeedResult run(long seed) {
    CausalWorld w = CausalWorld.simulate(settings.spec(), seed, settings.evalUsers(), progress);
    Map<String, Double> m = new LinkedHashMap<>();
    JsonObject detail = w.detail();
    Set<String> parts = settings.parts();
    // the click MLPs need no exposure model (they weigh by the logged propensities or not at all)
    boolean exposureNeeded = parts.stream().anyMatch(p -> !p.equals("click") && !p.equals("rank"));
    try (ExposureModel exposure = !exposureNeeded ? null : ExposureModel.KIND.train(
        new ExposureModel.Data(w.log, w.sessions, null), PairModel.Params.defaults(settings.pairEpochs(), (int) seed),
        device, ExposureModel.logTo(progress))) {
      if (parts.contains("propensity")) {
        PropensityQuality.measure(w, exposure, m, detail);
      }
      if (parts.contains("click")) {
        ClickDebiasing.measure(w, settings, device, progress, m);
      }
      if (parts.contains("vae")) {
        VaeDebiasing.measure(w, exposure, settings, device, progress, m);
      }
      if (parts.contains("uplift") || parts.contains("ope") || parts.contains("rank")) {
        // one naive Mult-VAE: the collaborative ranking, the first stage, the uplift model's features
        // and the OPE candidates
        try (MultVae cf = MultVae.KIND.train(MultVae.Data.naive(w.feedback.matrix()), MultVaeParams.forData(
                settings.vaeEpochs(), w.feedback.users().size(), (int) seed), device, r -> { })) {
          if (parts.contains("rank")) {
            TwoStageRanking.measure(w, cf, settings, device, progress, m);
          }
          if (parts.contains("uplift") || parts.contains("ope")) {
            upliftAndOffPolicy(w, exposure, cf, parts, m, detail);
          }
        }
      }
    }
    return new SeedResult(seed, m, detail);
  }

  private void upliftAndOffPolicy(CausalWorld w, ExposureModel exposure, MultVae cf, Set<String> parts,
      Map<String, Double> m, JsonObject detail) {
    int seed = (int) w.seed;
    try (UpliftModel uplift = UpliftModel.KIND.train(new UpliftModel.Data(w.log, w.sessions, exposure,
            CfFeatures.of(cf, w.feedback, w.log.items()), settings.upliftMinPropensity(),
            UpliftModel.ExposureRefit.of(w.log, w.sessions, null, settings.pairEpochs(), device,
                ExposureModel.logTo(progress))),
        UpliftModel.Params.defaults(settings.upliftEpochs(), seed, settings.upliftMembers()), device,
        UpliftModel.logTo(progress))) {
      UpliftRanking.collaborative(w, cf, settings.k(), m);
      if (parts.contains("uplift")) {
        UpliftRanking.byUplift(w, uplift, settings.k(), m);
      }
      if (parts.contains("ope")) {
        OffPolicyAccuracy.measure(w, cf, uplift, settings.spec().slateSize(), progress, m, detail);
      }
    }
  }
}
