package org.causalrec.cli;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.causalrec.config.Config;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;
import org.causalrec.text.EmbeddingIndex;
import org.causalrec.text.ItemText;
import org.causalrec.text.TextEmbedder;
import org.causalrec.text.Vectors;

/**
 * {@code causalrec bench text}: item texts embedded per second (batched as the embedder does, and
 * one at a time as a search query is), and similar-item and search latency over an index of
 * {@code items} vectors. Exact search costs the same whatever the vectors hold, so the large index
 * is filled with the real embeddings of the simulator's item texts plus small noise (embedding
 * 100k texts would take minutes and measure nothing more).
 */
final class TextBench {

  private TextBench() {}

  static void run(Config config, int items, int texts) {
    try (TextEmbedder embedder = TextEmbedder.of(config.text())) {
      if (embedder == null) {
        System.out.println("text features are off (text.provider: off)");
        return;
      }
      List<String> corpus = new ArrayList<>();
      for (JsonObject it : new Simulator(World.generate(WorldSpec.named("small"), 42)).items()) {
        List<String> cats = new ArrayList<>();
        it.getJsonArray("categories").forEach(c -> cats.add(c.toString()));
        corpus.add(ItemText.of(it.getString("title"), it.getString("description"), cats));
      }
      while (corpus.size() < texts) {
        corpus.addAll(corpus.subList(0, Math.min(corpus.size(), texts - corpus.size())));
      }
      corpus = corpus.subList(0, texts);
      long t0 = System.nanoTime();
      embedder.embed(List.of("warm-up"));
      System.out.printf(Locale.ROOT, "model %s: loaded and first text embedded in %.2f s%n", embedder.modelId(),
          (System.nanoTime() - t0) / 1e9);
      double tokens = corpus.stream().mapToInt(s -> s.split("\\s+").length).average().orElse(0);
      float[][] real = null;
      for (int batch : new int[] {config.text().batchSize(), 128}) {
        t0 = System.nanoTime();
        List<float[]> out = new ArrayList<>();
        for (int from = 0; from < corpus.size(); from += batch) {
          out.addAll(Arrays.asList(embedder.embed(corpus.subList(from, Math.min(corpus.size(), from + batch)))));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "batched (%d per call): %d item texts (%.0f words each) in %.1f s = %.0f texts/s%n",
            batch, corpus.size(), tokens, s, corpus.size() / s);
        real = out.toArray(new float[0][]);
      }
      String[] queries = {"waterproof hiking boots", "something to make coffee with", "a gripping detective novel",
          "gift for a jazz fan", "noise cancelling headphones for travel", "vegan skincare", "board game for families",
          "linen shirt for summer"};
      List<String> shortTexts = new ArrayList<>();
      for (int k = 0; k < 2_000; k++) {
        shortTexts.add(queries[k % queries.length] + " " + k);
      }
      t0 = System.nanoTime();
      for (int from = 0; from < shortTexts.size(); from += 32) {
        embedder.embed(shortTexts.subList(from, Math.min(shortTexts.size(), from + 32)));
      }
      double shortSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "batched (32 per call): %d short texts (5 words each) in %.1f s = %.0f texts/s%n",
          shortTexts.size(), shortSeconds, shortTexts.size() / shortSeconds);
      double[] single = new double[200];
      for (int k = 0; k < single.length; k++) {
        long q0 = System.nanoTime();
        embedder.embed(List.of(queries[k % queries.length]));
        single[k] = (System.nanoTime() - q0) / 1e6;
      }
      System.out.printf(Locale.ROOT, "single (one query per call): p50 %.1f ms, p99 %.1f ms = %.0f queries/s%n",
          pct(single, 50), pct(single, 99), 1000 / mean(single));

      EmbeddingIndex index = new EmbeddingIndex();
      SplittableRandom rng = new SplittableRandom(1);
      t0 = System.nanoTime();
      for (int i = 0; i < items; i++) {
        float[] v = real[i % real.length].clone();
        for (int d = 0; d < v.length; d++) {
          v[d] += (float) (0.02 * rng.nextGaussian());
        }
        index.put("i" + i, "item " + i, List.of(), Vectors.normalize(v));
      }
      System.out.printf(Locale.ROOT, "index: %d items x %d floats (%.0f MB) filled in %.1f s%n", index.size(),
          index.dimension(), index.size() * (double) index.dimension() * 4 / 1e6, (System.nanoTime() - t0) / 1e9);
      for (int k = 0; k < 50; k++) {
        index.nearest(index.vector("i" + k), 10, null);
      }
      double[] similar = new double[300];
      for (int k = 0; k < similar.length; k++) {
        String id = "i" + rng.nextInt(items);
        long q0 = System.nanoTime();
        float[] v = index.vector(id);
        index.nearest(v, 10, id::equals);
        similar[k] = (System.nanoTime() - q0) / 1e6;
      }
      System.out.printf(Locale.ROOT, "similar items (n=10) over %d items: p50 %.1f ms, p99 %.1f ms%n", items,
          pct(similar, 50), pct(similar, 99));
      double[] search = new double[200];
      for (int k = 0; k < search.length; k++) {
        long q0 = System.nanoTime();
        float[] v = embedder.embed(List.of(queries[k % queries.length]))[0];
        index.nearest(v, 10, null);
        search[k] = (System.nanoTime() - q0) / 1e6;
      }
      System.out.printf(Locale.ROOT, "search (embed the query + n=10) over %d items: p50 %.1f ms, p99 %.1f ms%n", items,
          pct(search, 50), pct(search, 99));
    }
  }

  /** The p-th percentile (nearest rank) of {@code v}; shared by the benchmarks. */
  static double pct(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1)];
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }
}
