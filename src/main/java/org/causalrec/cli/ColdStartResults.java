package org.causalrec.cli;

import ai.djl.Device;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.causalrec.experiment.ColdStartRun;
import org.causalrec.experiment.SeedResult;
import org.causalrec.text.TextEmbedder;

/** Runs {@link ColdStartRun} over several seeds and writes the mean ± sd table. */
final class ColdStartResults {

  private ColdStartResults() {}

  static String run(ColdStartRun.Settings s, List<Long> seeds, TextEmbedder embedder, Device device, String command,
      Consumer<String> progress) {
    List<SeedResult> rs = new ArrayList<>();
    for (long seed : seeds) {
      long t0 = System.nanoTime();
      SeedResult r = ColdStartRun.run(s, seed, embedder, device, progress);
      rs.add(r);
      progress.accept(String.format(Locale.ROOT, "seed %d done in %.0f s: %s %s", seed, (System.nanoTime() - t0) / 1e9,
          r.metrics(), r.detail().encode()));
    }
    Map<String, double[]> st = CausalResults.meanAndSd(rs.stream().map(SeedResult::metrics).toList());
    int k = s.k();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "### Cold start from item text (%s world)%n%n", s.spec().name()));
    b.append(String.format(Locale.ROOT, "World %s (%d users x %d items), seeds %s; %.0f %% of the items held out of"
        + " training as brand-new (every event on them removed); per seed, up to %d users with a positive event on a"
        + " new item are scored, and those events are the truth. Text: %s. Mean ± sd over the seeds. Measured %s"
        + " with `%s`.%n%n", s.spec().name(), s.spec().users(), s.spec().items(), seeds, 100 * s.coldShare(),
        s.evalUsers(), embedder.modelId(), LocalDate.now(ZoneOffset.UTC), command));
    b.append(String.format(Locale.ROOT, "| ranking | text-aware | Recall@%d |%n|---|---|---|%n", k));
    CausalResults.row(b, "new items only: any order (a new item has no signal without text) | no",
        st.get("recall_random"));
    CausalResults.row(b, "new items only: cosine with the mean of the user's history embeddings | yes",
        st.get("recall_profile"));
    CausalResults.row(b, "new items only: Mult-VAE scores of the item's text neighbours (served) | yes",
        st.get("recall_knn"));
    CausalResults.row(b, String.format(Locale.ROOT, "every item, new among known: neighbours' mean + %.1f sd (served)"
        + " | yes", s.optimism()), st.get("recall_mixed_knn"));
    CausalResults.row(b, "every item, new among known: neighbours' mean only | yes", st.get("recall_mixed_plain"));
    CausalResults.row(b, "every item, new among known, without text (new items cannot be ranked) | no",
        new double[] {0, 0});
    b.append(String.format(Locale.ROOT, "%nIn the ranking of every item, new items take %s of the top %d with the"
        + " served optimism and %s with the neighbours' mean only; they are %s of the catalogue.%n",
        fmtShare(st.get("new_share_of_top")), k, fmtShare(st.get("new_share_of_top_plain")),
        fmtShare(st.get("new_item_share"))));
    return b.toString();
  }

  private static String fmtShare(double[] v) {
    return String.format(Locale.ROOT, "%.1f %%", 100 * v[0]);
  }
}
