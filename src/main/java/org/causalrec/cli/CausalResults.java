package org.causalrec.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.causal.Interval;
import org.causalrec.experiment.CausalExperiment;
import org.causalrec.experiment.SeedResult;

/** Runs {@link CausalExperiment} over several seeds and writes mean ± sd tables. */
final class CausalResults {

  private CausalResults() {}

  static String run(CausalExperiment.Settings settings, List<Long> seeds, Device device, String command,
      Consumer<String> progress) {
    CausalExperiment exp = new CausalExperiment(settings, device, progress);
    List<SeedResult> results = new ArrayList<>();
    for (long seed : seeds) {
      long t0 = System.nanoTime();
      SeedResult r = exp.run(seed);
      results.add(r);
      progress.accept(String.format(Locale.ROOT, "seed %d done in %.0f s: %s", seed, (System.nanoTime() - t0) / 1e9,
          r.metrics()));
      progress.accept("detail: " + r.detail().encode());
    }
    return markdown(settings, seeds, results, command);
  }

  private static String markdown(CausalExperiment.Settings s, List<Long> seeds,
      List<SeedResult> rs, String command) {
    Map<String, double[]> stats = meanAndSd(rs.stream().map(SeedResult::metrics).toList());
    int k = s.k();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "### Causal layer against the simulator's ground truth (%s world)%n%n", s.spec().name()));
    b.append(String.format(Locale.ROOT, "World %s (%d users x %d items, slate %d), seeds %s; mean ± sd over the seeds."
        + " %d users' rankings scored per seed. Measured %s with `%s`.%n%n", s.spec().name(), s.spec().users(),
        s.spec().items(), s.spec().slateSize(), seeds, s.evalUsers(), LocalDate.now(ZoneOffset.UTC), command));
    b.append(String.format(Locale.ROOT, "Hidden intent (a per-session latent in the logging policy and in relevance): γ = %s on"
        + " relevance, γ_π = %s on the logging policy%s.%n", s.spec().intentStrength(), s.spec().policyIntentStrength(),
        s.spec().hasIntent() ? "" : " (none: the control world)"));
    if (stats.containsKey("propensity_pearson")) {
      propensities(b, stats);
    }
    if (stats.containsKey("click_naive_ndcg@" + k) || stats.containsKey("vae_naive_ndcg@" + k)) {
      debiasing(b, stats, k, s.minPropensity());
    }
    if (stats.containsKey("incremental_per_1000_uplift")) {
      uplift(b, stats, k, s.upliftMembers());
    }
    if (stats.keySet().stream().anyMatch(key -> key.startsWith("ope_t"))) {
      offPolicy(b, stats);
    }
    if (stats.containsKey("clicks_per_1000_two_stage")) {
      b.append(String.format(Locale.ROOT, "%n**Two-stage ranking**: true expected clicks per 1,000 recommendations of"
          + " each user's top %d (the simulator's click model at positions 1..%d):%n%n| ranking | clicks / 1,000 recs"
          + " |%n|---|---|%n", k, k));
      row(b, "Mult-VAE score", stats.get("clicks_per_1000_cf"));
      row(b, "Mult-VAE's top 200 re-ranked by the naive click MLP with the Mult-VAE's view of each pair"
          + " as an input (two stages, as served)", stats.get("clicks_per_1000_two_stage"));
      if (stats.containsKey("clicks_per_1000_two_stage_plain")) {
        row(b, "the same re-ranked by the click MLP without that input", stats.get("clicks_per_1000_two_stage_plain"));
      }
      row(b, "click MLP over every item", stats.get("clicks_per_1000_click_mlp"));
      row(b, "random", stats.get("clicks_per_1000_random"));
      row(b, "by true P(click at the top) (oracle)", stats.get("clicks_per_1000_oracle"));
    }
    return b.toString();
  }

  private static void propensities(StringBuilder b, Map<String, double[]> stats) {
    b.append("\n**Exposure propensities** (learned per-session model against the true inclusion probabilities;"
        + " calibration on held-out sessions):\n\n| measure | value |\n|---|---|\n");
    row(b, "Pearson r, learned vs true", stats.get("propensity_pearson"));
    row(b, "Spearman ρ, learned vs true", stats.get("propensity_spearman"));
    row(b, "Spearman ρ, popularity-power fallback vs true", stats.get("popularity_spearman"));
    row(b, "expected calibration error (deciles)", stats.get("propensity_ece"));
  }

  private static void debiasing(StringBuilder b, Map<String, double[]> stats, int k, double minPropensity) {
    b.append(String.format(Locale.ROOT, "%n**Debiased training**: NDCG@%d against true relevance (graded gains) over"
        + " every item, and Spearman ρ of the scores with true relevance over every item:%n%n"
        + "| model | objective | NDCG@%d | Spearman ρ |%n|---|---|---|---|%n", k, k));
    row(b, "simulator | relevance among the sessions that showed the item (what naive click training converges to)",
        stats.get("click_when_shown_ndcg@" + k), stats.get("click_when_shown_spearman"));
    for (String o : List.of("naive", "ips", "snips", "dr", "mrdr")) {
      row(b, "click MLP | " + o + (o.equals("naive") ? "" : " (logged propensities)"),
          stats.get("click_" + o + "_ndcg@" + k), stats.get("click_" + o + "_spearman"));
    }
    for (String o : List.of("naive", "ips", "snips", "ips_popularity", "snips_popularity")) {
      String label = o.replace("_popularity", " (popularity^0.5 propensities)");
      if (!o.contains("popularity") && !o.equals("naive")) {
        label = o + " (learned propensities)";
      }
      row(b, "Mult-VAE | " + label, stats.get("vae_" + o + "_ndcg@" + k), stats.get("vae_" + o + "_spearman"));
    }
    b.append(String.format(Locale.ROOT, "%n**Clipped propensities** (floor %s): share of the weighted examples"
        + " whose propensity was raised to the floor:%n%n| propensities | share clipped |%n|---|---|%n",
        minPropensity));
    row(b, "logged, click MLP impressions", stats.get("click_clipped_share"));
    row(b, "learned exposure, Mult-VAE training pairs", stats.get("vae_learned_clipped_share"));
    row(b, "popularity^0.5, Mult-VAE training pairs", stats.get("vae_popularity_clipped_share"));
  }

  private static void uplift(StringBuilder b, Map<String, double[]> stats, int k, int members) {
    b.append(String.format(Locale.ROOT, "%n**Uplift**: true incremental conversions per 1,000 recommendations of each"
        + " user's top %d:%n%n| ranking | incremental conversions / 1,000 recs |%n|---|---|%n", k));
    row(b, "by estimated uplift τ", stats.get("incremental_per_1000_uplift"));
    row(b, "by P(conversion \\| recommended)", stats.get("incremental_per_1000_probability"));
    row(b, "by the Mult-VAE's score (relevance)", stats.get("incremental_per_1000_cf"));
    row(b, "random", stats.get("incremental_per_1000_random"));
    row(b, "by true uplift (oracle)", stats.get("incremental_per_1000_oracle"));
    row(b, "Spearman ρ of estimated vs true τ over every item", stats.get("uplift_spearman"));
    row(b, "Spearman ρ of P(conversion \\| recommended) vs the true one", stats.get("treated_spearman"));
    row(b, "Spearman ρ of P(conversion \\| not recommended) vs the true one", stats.get("control_spearman"));
    b.append(String.format(Locale.ROOT, "%n**Uplift interval** (what the what-if API returns: %s, M = %d) against"
        + " the true τ over every (sampled user, item) pair; the API names it a 95 %% interval only at a coverage of"
        + " at least 0.9:%n%n| measure | value |%n|---|---|%n", Interval.METHOD, members));
    row(b, "share of pairs whose true τ lies in the interval (coverage)", stats.get("uplift_interval_coverage"));
    row(b, "mean interval width", stats.get("uplift_interval_width"));
    row(b, "mean absolute error of the estimate", stats.get("uplift_abs_error"));
  }

  private static void offPolicy(StringBuilder b, Map<String, double[]> stats) {
    b.append("\n**Off-policy evaluation** of candidate slate policies (softmax over a naive Mult-VAE's scores at"
        + " temperature T): relative error |estimate - true| / true of the expected conversions per session:\n\n"
        + "| candidate | true value | share of it from items the logging policy shows with p < 0.001 | IPS | SNIPS | DM | DR |\n"
        + "|---|---|---|---|---|---|---|\n");
    for (String key : stats.keySet()) {
      if (key.startsWith("ope_t") && key.endsWith("_true")) {
        String p = key.substring(0, key.length() - "_true".length());
        b.append(String.format(Locale.ROOT, "| T = %s | %s | %s | %s | %s | %s | %s |%n", p.substring(5),
            fmt(stats.get(key)), fmt(stats.get(p + "_rare_share")),
            fmt(stats.get(p + "_ips_relerr")), fmt(stats.get(p + "_snips_relerr")), fmt(stats.get(p + "_dm_relerr")),
            fmt(stats.get(p + "_dr_relerr"))));
      }
    }
  }

  /** Each metric's mean and sample standard deviation over the seeds' results. */
  static Map<String, double[]> meanAndSd(List<Map<String, Double>> perSeed) {
    Map<String, double[]> stats = new LinkedHashMap<>();
    for (String key : perSeed.get(0).keySet()) {
      double[] v = perSeed.stream().mapToDouble(r -> r.get(key)).toArray();
      double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
      double sd = Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.length - 1));
      stats.put(key, new double[] {mean, sd});
    }
    return stats;
  }

  /** One table row; none when no value was measured (a part left out of --parts). */
  static void row(StringBuilder b, String label, double[]... values) {
    if (java.util.Arrays.stream(values).allMatch(java.util.Objects::isNull)) {
      return;
    }
    b.append("| ").append(label);
    for (double[] v : values) {
      b.append(" | ").append(fmt(v));
    }
    b.append(" |\n");
  }

  private static String fmt(double[] v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.4f ± %.4f", v[0], v[1]);
  }

  /** Replaces (or appends) the section between the markers of {@code key} in {@code file}. */
  static void writeSection(Path file, String key, String section) throws IOException {
    String begin = "<!-- results:" + key + " -->";
    String end = "<!-- /results:" + key + " -->";
    String block = begin + "\n" + section + end + "\n";
    String text = Files.exists(file) ? Files.readString(file) : "# Results\n\n";
    int a = text.indexOf(begin);
    int z = text.indexOf(end);
    text = a >= 0 && z > a ? text.substring(0, a) + block + text.substring(z + end.length() + 1) : text + "\n" + block;
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text);
  }
}
