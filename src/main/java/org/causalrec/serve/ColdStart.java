package org.causalrec.serve;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.causalrec.data.FeatureStore;
import org.causalrec.text.EmbeddingIndex;
import org.causalrec.text.ItemEmbeddings;
import org.causalrec.text.TextNeighbours;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores from item text for items the serving Mult-VAE cannot score well. An item with
 * no column in the model (new since the last training) scores, for a user, the mean of the
 * model's scores of its {@value TextNeighbours#K} nearest items in text among those the model knows,
 * weighted by a softmax of their cosine similarity (temperature {@value TextNeighbours#TEMPERATURE}); the user's
 * history enters through those scores. Once the item is in the model, while fewer than
 * {@value #BLEND_UNTIL} users gave it positive feedback, its score is blended: n / (n + {@value
 * #PRIOR}) of the model's own score and the rest of the text one, so it moves over to the model
 * as interactions arrive.
 *
 * <p>Neighbours are searched on the text worker when the model or the index changes, for the new
 * and blended items only (a search reads the whole index: docs/BENCHMARKS.md), and requests use
 * what was computed last.
 */
final class ColdStart {

  private static final Logger LOG = LoggerFactory.getLogger(ColdStart.class);
  static final int BLEND_UNTIL = 20;
  static final double PRIOR = 5;
  /** Index searches per refresh, so embedding and search requests on the text worker wait little. */
  static final int MAX_SEARCHES = 500;

  /**
   * What requests read: for one model version and index revision, the neighbours of the cold items
   * (no column) and of the blended ones (a column, few users).
   */
  record Table(String version, long revision, Map<String, TextNeighbours> cold, Map<String, TextNeighbours> blended) {}

  private final ItemEmbeddings text;
  private final FeatureStore features;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile Table table;

  private final double optimism;

  ColdStart(ItemEmbeddings text, FeatureStore features, double optimism) {
    this.text = text;
    this.features = features;
    this.optimism = optimism;
  }

  /** A cold item's score from its neighbours' scores. */
  float score(TextNeighbours n, float[] scores) {
    return n.score(scores, optimism);
  }

  /** The table for {@code m}, or null while none is computed; starts a refresh when it is out of date. */
  Table table(MultVaeVersion m) {
    Table t = table;
    if ((t == null || !t.version().equals(m.version()) || t.revision() != text.index().revision())
        && refreshing.compareAndSet(false, true)) {
      text.onWorker(() -> compute(m)).onComplete(ar -> {
        refreshing.set(false);
        if (ar.succeeded()) {
          table = ar.result();
        } else {
          LOG.warn("Cold-start neighbours could not be computed: {}", ar.cause().getMessage());
        }
      });
    }
    return t != null && t.version().equals(m.version()) ? t : null;
  }

  private Table compute(MultVaeVersion m) {
    EmbeddingIndex index = text.index();
    long revision = index.revision();
    Table previous = table;
    boolean sameModel = previous != null && previous.version().equals(m.version());
    Map<String, TextNeighbours> cold = new HashMap<>();
    Map<String, TextNeighbours> blended = new HashMap<>();
    int searches = 0;
    boolean complete = true;
    for (String id : index.ids()) {
      int col = m.items().indexOf(id);
      // blended: items that were cold under an earlier table and still have few users; the long
      // tail the model learnt from the start is the model's alone
      boolean wasCold = previous != null && (previous.cold().containsKey(id) || previous.blended().containsKey(id));
      if (col >= 0 && (!wasCold || features.itemUsers(id) >= BLEND_UNTIL)) {
        continue;
      }
      TextNeighbours reuse = !sameModel ? null : col < 0 ? previous.cold().get(id) : previous.blended().get(id);
      if (reuse == null && searches >= MAX_SEARCHES) {
        complete = false;
        continue;
      }
      TextNeighbours n = reuse;
      if (n == null) {
        n = TextNeighbours.of(index, id, m.items()::indexOf);
        searches++;
      }
      if (n != null) {
        (col < 0 ? cold : blended).put(id, n);
      }
    }
    // an incomplete table is refreshed again at the next request
    return new Table(m.version(), complete ? revision : -1, Map.copyOf(cold), Map.copyOf(blended));
  }

  /** The blended score of a column with a text table entry: n / (n + PRIOR) of the model's. */
  float blend(String id, float modelScore, TextNeighbours n, float[] scores) {
    int users = features.itemUsers(id);
    double a = users / (users + PRIOR);
    return (float) (a * modelScore + (1 - a) * n.score(scores, optimism));
  }
}
