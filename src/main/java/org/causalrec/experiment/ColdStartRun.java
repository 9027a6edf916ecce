package org.causalrec.experiment;

import org.causalrec.eval.RankingMetrics;
import org.causalrec.model.TopK;
import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.config.EventTypes;
import org.causalrec.data.Feedback;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.store.Event;
import org.causalrec.text.EmbeddingIndex;
import org.causalrec.text.ItemText;
import org.causalrec.text.TextEmbedder;
import org.causalrec.text.TextNeighbours;
import org.causalrec.text.Vectors;

/**
 * Cold start on a simulated world: a share of the items is held out of training as
 * brand-new (every event on them removed), a Mult-VAE learns from the rest, and each user's
 * positive events on the held-out items are what a ranking of those items should find (Recall@k).
 * Without text a brand-new item has no signal at all: any order is as good as a random one. With
 * text, two scorers: the user's history profile (cosine of the item's embedding with the mean of
 * the user's history embeddings) and what serving does (the Mult-VAE's scores of the item's text
 * neighbours, {@link TextNeighbours}); the latter also ranks the new items among the known ones,
 * which is what a user of the recommendations endpoint sees.
 */
public final class ColdStartRun {

  /**
   * Settings.
   *
   * @param spec the world
   * @param coldShare share of items held out as brand-new
   * @param k ranking cut-off
   * @param vaeEpochs Mult-VAE epochs
   * @param evalUsers at most this many users with a positive event on a new item are scored
   * @param optimism text.new_item_optimism (see {@link TextNeighbours#score})
   */
  public record Settings(WorldSpec spec, double coldShare, int k, int vaeEpochs, int evalUsers, double optimism) {
    public Settings {
      if (!(coldShare > 0 && coldShare < 0.5) || k < 1 || vaeEpochs < 1 || evalUsers < 1) {
        throw new IllegalArgumentException("coldShare in (0, 0.5), k, vaeEpochs and evalUsers >= 1");
      }
    }
  }

  private ColdStartRun() {}

  private static double newShare(int[] top, int warm) {
    int n = 0;
    for (int col : top) {
      n += col >= warm ? 1 : 0;
    }
    return n / (double) Math.max(1, top.length);
  }

  /** Simulates the world of {@code seed}, holds items out, trains and measures. */
  public static SeedResult run(Settings s, long seed, TextEmbedder embedder, Device device, Consumer<String> progress) {
    World world = World.generate(s.spec(), seed);
    Simulator sim = new Simulator(world);
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (JsonObject it : sim.items()) {
      ids.add(it.getString("id"));
      List<String> cats = new ArrayList<>();
      it.getJsonArray("categories", new io.vertx.core.json.JsonArray()).forEach(c -> cats.add(c.toString()));
      texts.add(ItemText.of(it.getString("title"), it.getString("description"), cats));
    }
    SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
    Set<String> cold = new HashSet<>();
    for (String id : ids) {
      if (rng.nextDouble() < s.coldShare()) {
        cold.add(id);
      }
    }
    EventTypes types = EventTypes.defaults();
    List<Event> train = new ArrayList<>();
    Map<String, Set<String>> coldPositives = new HashMap<>();
    List<Event> simulated = sim.events();
    long events = simulated.size();
    for (Event e : simulated) {
      if (!cold.contains(e.itemId())) {
        train.add(e);
      } else if (Feedback.weight(e, types) > 0) {
        coldPositives.computeIfAbsent(e.userId(), x -> new HashSet<>()).add(e.itemId());
      }
    }
    Feedback fb = Feedback.of(train, types);
    progress.accept(String.format(java.util.Locale.ROOT, "seed %d: %d events, %d items of %d held out as new,"
        + " %d users with a positive event on one", seed, events, cold.size(), ids.size(), coldPositives.size()));

    long t0 = System.nanoTime();
    float[][] vectors = embedder.embed(texts);
    double embedSeconds = (System.nanoTime() - t0) / 1e9;
    EmbeddingIndex index = new EmbeddingIndex();
    for (int k = 0; k < ids.size(); k++) {
      index.put(ids.get(k), null, List.of(), vectors[k]);
    }
    List<String> coldIds = new ArrayList<>(cold);
    coldIds.sort(null);
    List<TextNeighbours> neighbours = new ArrayList<>();
    for (String c : coldIds) {
      neighbours.add(TextNeighbours.of(index, c, fb.items()::indexOf));
    }

    Map<String, Double> m = new LinkedHashMap<>();
    try (MultVae vae = MultVae.KIND.train(MultVae.Data.naive(fb.matrix()),
        MultVaeParams.forData(s.vaeEpochs(), fb.users().size(), (int) seed), device, r -> { })) {
      List<String> users = new ArrayList<>(coldPositives.keySet());
      users.removeIf(u -> fb.users().indexOf(u) < 0 || fb.matrix().rowLength(fb.users().indexOf(u)) == 0);
      users.sort(null);
      java.util.Collections.shuffle(users, new java.util.Random(seed));
      users = users.subList(0, Math.min(s.evalUsers(), users.size()));
      double random = 0;
      double profile = 0;
      double knn = 0;
      double mixed = 0;
      double mixedShare = 0;
      double mixedPlain = 0;
      double mixedPlainShare = 0;
      int nc = coldIds.size();
      int warm = fb.items().size();
      for (String user : users) {
        int u = fb.users().indexOf(user);
        Set<Integer> truth = new HashSet<>();
        for (String c : coldPositives.get(user)) {
          truth.add(coldIds.indexOf(c));
        }
        float[] scores = vae.score(fb.matrix(), u, u + 1)[0];
        // text profile: the mean of the user's history embeddings
        float[] prof = new float[vectors[0].length];
        for (int col : fb.matrix().row(u)) {
          float[] v = index.vector(fb.items().id(col));
          for (int d = 0; d < prof.length; d++) {
            prof[d] += v[d];
          }
        }
        Vectors.normalize(prof);
        float[] byProfile = new float[nc];
        float[] byKnn = new float[nc];
        float[] byNothing = new float[nc];
        SplittableRandom r = new SplittableRandom(seed ^ u);
        for (int c = 0; c < nc; c++) {
          byProfile[c] = Vectors.dot(prof, index.vector(coldIds.get(c)));
          byKnn[c] = neighbours.get(c) == null ? Float.NEGATIVE_INFINITY : neighbours.get(c).score(scores, s.optimism());
          byNothing[c] = (float) r.nextDouble();
        }
        random += RankingMetrics.recall(TopK.of(byNothing, s.k(), null), truth, s.k());
        profile += RankingMetrics.recall(TopK.of(byProfile, s.k(), null), truth, s.k());
        knn += RankingMetrics.recall(TopK.of(byKnn, s.k(), null), truth, s.k());
        // all items together, the user's own history left out: new items compete with known ones
        float[] all = new float[warm + nc];
        boolean[] skip = new boolean[warm + nc];
        System.arraycopy(scores, 0, all, 0, warm);
        for (int col : fb.matrix().row(u)) {
          skip[col] = true;
        }
        Set<Integer> shifted = new HashSet<>();
        truth.forEach(c -> shifted.add(warm + c));
        System.arraycopy(byKnn, 0, all, warm, nc);
        int[] top = TopK.of(all, s.k(), skip);
        mixed += RankingMetrics.recall(top, shifted, s.k());
        mixedShare += newShare(top, warm);
        // the plain estimate (no optimism), for reference
        for (int c = 0; c < nc; c++) {
          all[warm + c] = neighbours.get(c) == null ? Float.NEGATIVE_INFINITY : neighbours.get(c).score(scores, 0);
        }
        top = TopK.of(all, s.k(), skip);
        mixedPlain += RankingMetrics.recall(top, shifted, s.k());
        mixedPlainShare += newShare(top, warm);
      }
      int n = Math.max(1, users.size());
      m.put("recall_random", random / n);
      m.put("recall_profile", profile / n);
      m.put("recall_knn", knn / n);
      m.put("recall_mixed_knn", mixed / n);
      m.put("new_share_of_top", mixedShare / n);
      m.put("recall_mixed_plain", mixedPlain / n);
      m.put("new_share_of_top_plain", mixedPlainShare / n);
      m.put("new_item_share", nc / (double) (warm + nc));
      JsonObject detail = new JsonObject().put("events", events).put("items", ids.size()).put("new_items", nc)
          .put("users_scored", users.size()).put("texts_embedded", texts.size())
          .put("embed_seconds", embedSeconds).put("texts_per_second", texts.size() / embedSeconds);
      return new SeedResult(seed, m, detail);
    }
  }
}
