package org.causalrec.cli;

import org.causalrec.experiment.Evaluations;
import java.io.IOException;
import org.causalrec.store.StoreHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.experiment.HoldoutRun;
import org.causalrec.eval.HoldoutSplit;
import org.causalrec.model.Devices;
import org.causalrec.experiment.RandomExposureRun;
import org.causalrec.store.EventRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec evaluate}: every model and baseline side by side on the stored events. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate models and baselines on the stored events (strong generalisation or a temporal split).")
public final class EvaluateCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--protocol", defaultValue = "strong-generalization",
      description = "strong-generalization (default), temporal, random-exposure (train on the biased log,"
          + " test on the randomly exposed pairs of --random-surface), or clicks (the click MLP on four in five of the"
          + " impressions, Platt-scaled on half of the rest: AUC and calibration on the other half)")
  String protocol;

  @Option(names = "--train-share", defaultValue = "0.8",
      description = "temporal: share of the feedback, in time order, before the cut-off (default ${DEFAULT-VALUE})")
  double trainShare;

  @Option(names = "--heldout-users", description = "validation and test users each (default: 10%% of users, at most 10,000)")
  Integer heldOut;

  // Not train's --epochs: that one has no default of its own (models.epochs) and covers every model kind.
  @Option(names = "--epochs", defaultValue = "200", description = "Mult-VAE epochs (default ${DEFAULT-VALUE}, as the paper)")
  int epochs;

  @Option(names = "--models", defaultValue = "popularity,ease,mult-vae", split = ",",
      description = "models to compare (default ${DEFAULT-VALUE})")
  List<String> models;

  // Not simulate's world seed: this one seeds the split and the training (the worlds' are --seeds).
  @Option(names = "--seed", defaultValue = "1", description = "split and training seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--json", description = "print one JSON document instead of a table")
  boolean json;

  @Option(names = "--results", description = "also write the table into this Markdown file (e.g. docs/RESULTS.md)")
  Path results;

  @Option(names = "--label", defaultValue = "store", description = "dataset name for --results (default ${DEFAULT-VALUE})")
  String label;

  @Option(names = "--causal", description = "measure the causal layer against a simulated world's ground truth"
      + " (no store needed): propensities, debiased training, uplift ranking, off-policy evaluation")
  boolean causal;

  @Mixin
  WorldOptions world;

  @Option(names = "--seeds", defaultValue = "1,2,3", split = ",", description = "--causal: world seeds (default ${DEFAULT-VALUE})")
  List<Long> seeds;

  @Option(names = "--eval-users", defaultValue = "500", description = "--causal: users scored per seed (default ${DEFAULT-VALUE})")
  int evalUsers;

  @Option(names = "--parts", split = ",", defaultValue = "propensity,click,vae,uplift,ope,rank",
      description = "--causal: measurements to run (default ${DEFAULT-VALUE})")
  java.util.Set<String> parts;

  @Option(names = "--min-propensity", defaultValue = "0.05", description = "--causal: propensity clipping floor (default ${DEFAULT-VALUE})")
  double minPropensity;

  @Option(names = "--uplift-min-propensity", defaultValue = "0.001",
      description = "--causal: the uplift model's propensity clipping floor (default ${DEFAULT-VALUE})")
  double upliftMinPropensity;

  @Option(names = "--click-epochs", defaultValue = "12", description = "--causal and --protocol clicks: click MLP epochs (default ${DEFAULT-VALUE})")
  int clickEpochs;

  @Option(names = "--uplift-epochs", defaultValue = "8", description = "--causal: uplift model epochs (default ${DEFAULT-VALUE})")
  int upliftEpochs;

  @Option(names = "--uplift-members", defaultValue = "8",
      description = "--causal: independently trained networks in the uplift ensemble (default ${DEFAULT-VALUE})")
  int upliftMembers;

  @Option(names = "--pair-epochs", defaultValue = "20", description = "--causal: exposure model epochs (default ${DEFAULT-VALUE})")
  int pairEpochs;

  @Option(names = "--random-surface", defaultValue = "random",
      description = "random-exposure: the surface of the randomly exposed test events (default ${DEFAULT-VALUE};"
          + " the simulator's uniformly exposed cohort is 'explore')")
  String randomSurface;

  @Option(names = "--propensity-source", defaultValue = "naive-bayes",
      description = "random-exposure: propensities of the debiased objectives: naive-bayes (from the set-aside random"
          + " sample), learned (an exposure model of the log) or popularity (default ${DEFAULT-VALUE})")
  String propensitySource;

  @Option(names = "--set-aside", defaultValue = "0.05",
      description = "random-exposure: share of the random pairs set aside for propensities and epoch choice, not"
          + " scored (default ${DEFAULT-VALUE})")
  double setAside;

  @Option(names = "--ope", description = "off-policy evaluation from the logged impressions of a Mult-VAE version"
      + " (--policy) or a policy file (--policy-file)")
  boolean ope;

  @Option(names = "--policy", description = "--ope: the Mult-VAE version to evaluate (default: the newest ready one)")
  String policy;

  @Option(names = "--policy-file", description = "--ope: CSV policy to evaluate, header item_id,position,probability"
      + " or user_id,item_id,position,probability (positions from 1; each position's probabilities sum to 1)")
  Path policyFile;

  @Option(names = "--temperature", defaultValue = "1.0", description = "--ope --policy: softmax temperature of the"
      + " candidate; 0 ranks deterministically, item k at position k (default ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--reward", defaultValue = "conversion", description = "--ope: conversion or click; click needs"
      + " per-position propensities (default ${DEFAULT-VALUE})")
  String reward;

  @Option(names = "--cold-start", description = "measure cold start from item text on simulated worlds: a share of"
      + " the items held out as brand-new (--size, --seeds, --cold-share, --eval-users, --results)")
  boolean coldStart;

  @Option(names = "--cold-share", defaultValue = "0.1", description = "--cold-start: share of items held out as new"
      + " (default ${DEFAULT-VALUE})")
  double coldShare;

  @Override
  public Integer call() throws IOException {
    Config config = common.config();
    if (causal) {
      return causal(config);
    }
    if (coldStart) {
      return coldStart(config);
    }
    if (ope) {
      return offPolicy(config);
    }
    if (protocol.equals("random-exposure")) {
      return randomExposure(config);
    }
    if (protocol.equals("clicks")) {
      ClickReport.run(config, clickEpochs, json, results, label);
      return 0;
    }
    HoldoutRun.Prepared prepared;
    try (StoreHandle store = StoreHandle.open(config)) {
      prepared = HoldoutRun.prepare(new EventRepository(store.pool()), config.eventTypes(), protocol, heldOut,
          trainShare, seed);
    }
    Feedback feedback = prepared.feedback();
    HoldoutSplit split = prepared.split();
    String detail = prepared.detail();
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    List<HoldoutRun.Result> rs = HoldoutRun.run(split, epochs, device.device(), seed, models, System.err::println);
    if (json) {
      System.out.println(HoldoutRun.toJson(protocol, feedback, split, rs).encode());
    } else {
      System.out.print(table(rs));
    }
    if (results != null) {
      writeResults(results, feedback, detail, rs);
    }
    return 0;
  }

  private int randomExposure(Config config) throws IOException {
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    RandomExposureRun.Options o = new RandomExposureRun.Options(randomSurface, epochs, 100, propensitySource,
        config.causal().popularityEta(), config.causal().minPropensity(), setAside, seed);
    io.vertx.core.json.JsonObject r;
    try (StoreHandle store = StoreHandle.open(config)) {
      r = RandomExposureRun.run(new EventRepository(store.pool()), config.eventTypes(), o, device.device(),
          System.err::println);
    }
    String table = RandomExposureRun.table(r);
    System.out.print(json ? r.encode() + "\n" : table);
    if (results != null) {
      io.vertx.core.json.JsonObject d = r.getJsonObject("dataset");
      io.vertx.core.json.JsonObject p = r.getJsonObject("propensity");
      String section = "### " + label + " (random-exposure)\n\n" + String.format(Locale.ROOT,
          "Trained on %d observed pairs of %d users x %d items (positive share %.3f); tested on %d randomly exposed"
              + " pairs (positive share %.3f; %d more set aside for propensities and epoch choice). Positives:"
              + " ratings of at least 4, else clicks, carts, purchases. Propensities: %s, clipped at %.2f (%.1f %% of"
              + " observed pairs clipped). Recall@5 = hits / the user's test positives. Measured %s with"
              + " `causalrec evaluate --protocol random-exposure --random-surface %s --propensity-source %s --epochs %d"
              + " --seed %d`.%n%n",
          d.getInteger("observed_pairs"), d.getInteger("users"), d.getInteger("items"),
          d.getDouble("observed_positive_share"), d.getInteger("test_pairs"), d.getDouble("test_positive_share"),
          d.getInteger("set_aside_pairs"), p.getString("source"), p.getDouble("min"), 100 * p.getDouble("clipped_share"),
          LocalDate.now(ZoneOffset.UTC), randomSurface, propensitySource, epochs, seed) + table
          + "\nPublished on Coat (AUC / NDCG@5), for reference: MF 0.705 / 0.603, MF-IPS 0.714 / 0.617,"
          + " DR-JL 0.729 / 0.627, MRDR 0.732 / 0.632, DR-JL + CDR 0.750 / 0.656, best reported 0.751 / 0.657"
          + " (DR-BIAS + CDR; CDR, CIKM 2023).\n";
      CausalResults.writeSection(results, label + " / random-exposure", section);
    }
    return 0;
  }

  private int offPolicy(Config config) throws IOException {
    if (policy != null && policyFile != null) {
      throw new IllegalArgumentException("--policy and --policy-file: give one candidate");
    }
    org.causalrec.experiment.OpeRun.Settings settings = new org.causalrec.experiment.OpeRun.Settings(temperature,
        reward, 1e-4, 200, seed);
    org.causalrec.causal.PolicyFile table = null;
    if (policyFile != null) {
      try (java.io.BufferedReader in = Files.newBufferedReader(policyFile)) {
        table = org.causalrec.causal.PolicyFile.read(in, policyFile.toString());
      }
    }
    Devices.Choice device = Devices.choose(config.device());
    try (StoreHandle store = StoreHandle.open(config)) {
      Evaluations evaluations = new Evaluations(store.vertx(), new EventRepository(store.readPool()),
          new org.causalrec.store.ModelRepository(store.pool()), org.causalrec.store.ArtifactRepository.of(
              store.vertx(), store.pool(), config), config, device.device());
      try {
        io.vertx.core.json.JsonObject r = (table != null
            ? evaluations.offPolicy(table, policyFile.toString(), settings)
            : evaluations.offPolicy(policy, settings)).await();
        System.out.print(json ? r.encode() + "\n" : org.causalrec.experiment.OpeRun.table(r));
      } finally {
        evaluations.close().await();
      }
    }
    return 0;
  }

  private int causal(Config config) throws IOException {
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    org.causalrec.sim.WorldSpec spec = world.spec();
    org.causalrec.experiment.CausalExperiment.Settings settings = new org.causalrec.experiment.CausalExperiment.Settings(spec,
        evalUsers, 10, clickEpochs, Math.min(epochs, 30), pairEpochs, upliftEpochs, upliftMembers, minPropensity,
        upliftMinPropensity, parts);
    boolean partial = !parts.containsAll(org.causalrec.experiment.CausalExperiment.Settings.ALL);
    String command = "causalrec evaluate --causal --size " + world.size + world.intentArguments() + " --seeds "
        + String.join(",", seeds.stream().map(String::valueOf).toList()) + " --eval-users " + evalUsers
        + " --epochs " + epochs + " --pair-epochs " + pairEpochs
        + (parts.contains("click") || parts.contains("rank") ? " --click-epochs " + clickEpochs : "")
        + (parts.contains("uplift") || parts.contains("ope") ? " --uplift-epochs " + upliftEpochs + " --uplift-members "
            + upliftMembers + " --uplift-min-propensity " + upliftMinPropensity : "")
        + " --min-propensity " + minPropensity
        + (partial ? " --parts " + String.join(",", new java.util.TreeSet<>(parts)) : "");
    String md = CausalResults.run(settings, seeds, device.device(), command, System.err::println);
    System.out.print(md);
    if (results != null) {
      // a run of some parts gets its own section rather than replacing the full run's
      CausalResults.writeSection(results, "causal / " + world.size + (spec.hasIntent() ? String.format(
          java.util.Locale.ROOT, " / intent %s, policy %s", spec.intentStrength(), spec.policyIntentStrength()) : "")
          + (partial ? " / " + String.join(",", new java.util.TreeSet<>(parts)) : ""), md);
    }
    return 0;
  }

  private int coldStart(Config config) throws IOException {
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    org.causalrec.experiment.ColdStartRun.Settings settings = new org.causalrec.experiment.ColdStartRun.Settings(
        world.spec(), coldShare, 20, Math.min(epochs, 30), evalUsers,
        config.text().newItemOptimism());
    String command = "causalrec evaluate --cold-start --size " + world.size + " --seeds "
        + String.join(",", seeds.stream().map(String::valueOf).toList()) + " --cold-share " + coldShare
        + " --eval-users " + evalUsers;
    try (org.causalrec.text.TextEmbedder embedder = org.causalrec.text.TextEmbedder.of(config.text())) {
      if (embedder == null) {
        System.err.println("text features are off (text.provider: off): nothing to measure");
        return 2;
      }
      String md = ColdStartResults.run(settings, seeds, embedder, device.device(), command, System.err::println);
      System.out.print(md);
      if (results != null) {
        CausalResults.writeSection(results, "cold-start / " + world.size, md);
      }
    }
    return 0;
  }

  private static String table(List<HoldoutRun.Result> rs) {
    StringBuilder b = new StringBuilder();
    b.append("| model | Recall@20 | Recall@50 | NDCG@100 | test users | fit (s) | settings |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (HoldoutRun.Result r : rs) {
      Map<String, Double> m = r.metrics();
      b.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.0f | %.1f | %s |%n", r.model(),
          m.get("recall@20"), m.get("recall@50"), m.get("ndcg@100"), m.get("users"), r.fitSeconds(),
          r.params().isEmpty() ? "" : r.params().encode().replace("|", "/")));
    }
    return b.toString();
  }

  /** Replaces (or appends) this label's section of the Markdown file. */
  private void writeResults(Path file, Feedback feedback, String detail, List<HoldoutRun.Result> rs)
      throws IOException {
    String key = label + " / " + protocol;
    String begin = "<!-- results:" + key + " -->";
    String end = "<!-- /results:" + key + " -->";
    String section = begin + "\n### " + label + " (" + protocol + ")\n\n"
        + String.format(Locale.ROOT, "%d users, %d items, %d user-item pairs for training (events up to id %d); %s."
            + " Measured %s with `causalrec evaluate %s`.%n%n",
            feedback.users().size(), feedback.items().size(), feedback.matrix().nnz(), feedback.maxEventId(), detail,
            LocalDate.now(ZoneOffset.UTC), String.join(" ", Arrays.asList("--protocol", protocol, "--epochs",
                String.valueOf(epochs), "--seed", String.valueOf(seed), "--label", "'" + label + "'")))
        + table(rs) + end + "\n";
    String text = Files.exists(file) ? Files.readString(file) : "# Results\n\nWritten by `causalrec evaluate --results`.\n\n";
    int a = text.indexOf(begin);
    int z = text.indexOf(end);
    text = a >= 0 && z > a ? text.substring(0, a) + section + text.substring(z + end.length() + 1)
        : text + "\n" + section;
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text);
  }
}
