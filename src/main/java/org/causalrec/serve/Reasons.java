package org.causalrec.serve;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.causalrec.text.ItemEmbeddings;

/**
 * Why an item is recommended, in words: the history item most similar to it in text when one is
 * similar enough ("because you liked ..."), otherwise what scored it.
 */
final class Reasons {

  /** History items a reason may cite: the most recent ones. */
  static final int REASON_HISTORY = 50;
  /**
   * A history item is cited only this similar in text or more: below it the texts share little
   * (unrelated all-MiniLM-L6-v2 sentences sit around 0 to 0.3) and the reason would mislead.
   */
  static final float MIN_REASON_SIMILARITY = 0.35f;

  private final ItemEmbeddings text;

  /** @param text the item text embeddings, or null when text features are off */
  Reasons(ItemEmbeddings text) {
    this.text = text;
  }

  /**
   * Puts {@code reason} (and {@code because}, the cited history item) into {@code item}, whose
   * {@code id} is set; {@code history} oldest first; {@code byText}: an item scored from its text alone.
   */
  void explain(JsonObject item, List<String> history, boolean byText) {
    List<String> recent = history.subList(Math.max(0, history.size() - REASON_HISTORY), history.size());
    JsonObject because = because(item.getString("id"), recent);
    if (because != null) {
      item.put("reason", "because you liked " + because.getString("title")).put("because", because);
    } else {
      item.put("reason", byText ? "new, and like items you liked"
          : "liked by users with a history like your " + history.size() + " recent items");
    }
  }

  /** {@code {"id", "title", "similarity"}} of the history item most similar in text to {@code item}, or null. */
  private JsonObject because(String item, List<String> recent) {
    if (text == null) {
      return null;
    }
    String best = null;
    float bestSim = Float.NEGATIVE_INFINITY;
    for (String h : recent) {
      float sim = h.equals(item) ? Float.NaN : text.index().similarity(item, h);
      if (!Float.isNaN(sim) && sim > bestSim) {
        best = h;
        bestSim = sim;
      }
    }
    if (best == null || bestSim < MIN_REASON_SIMILARITY) {
      return null;
    }
    String title = text.index().title(best);
    return new JsonObject().put("id", best).put("title", title == null || title.isBlank() ? best : title)
        .put("similarity", bestSim);
  }
}
