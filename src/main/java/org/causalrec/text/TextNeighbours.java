package org.causalrec.text;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * An item's nearest items in text among those a collaborative model has a column for, with
 * softmax weights of their cosine similarity: the item's score for a user is the weighted mean of
 * the model's scores of those items for that user (cold start).
 *
 * @param cols the neighbours' model columns
 * @param weights their weights, summing to 1
 */
public record TextNeighbours(int[] cols, float[] weights) {

  /** Neighbours per item. */
  public static final int K = 20;
  /** Softmax temperature over cosine similarities. */
  public static final float TEMPERATURE = 0.2f;

  /**
   * The weighted mean of {@code scores} (one per model column) over the neighbours, plus
   * {@code optimism} times their weighted standard deviation: a new item's score is uncertain, and
   * optimism under uncertainty gives it a chance to be shown (text.new_item_optimism).
   */
  public float score(float[] scores, double optimism) {
    float mean = 0;
    for (int k = 0; k < cols.length; k++) {
      mean += weights[k] * scores[cols[k]];
    }
    float var = 0;
    for (int k = 0; k < cols.length; k++) {
      float d = scores[cols[k]] - mean;
      var += weights[k] * d * d;
    }
    return mean + (float) (optimism * Math.sqrt(var));
  }

  /**
   * The neighbours of {@code id} among the indexed items {@code column} maps to a model column
   * (>= 0), leaving out the item itself; null when the item is not indexed or no neighbour exists.
   */
  public static TextNeighbours of(EmbeddingIndex index, String id, ToIntFunction<String> column) {
    float[] v = index.vector(id);
    if (v == null) {
      return null;
    }
    List<EmbeddingIndex.Hit> hits = index.nearest(v, K, other -> other.equals(id) || column.applyAsInt(other) < 0);
    if (hits.isEmpty()) {
      return null;
    }
    int[] cols = new int[hits.size()];
    float[] w = new float[hits.size()];
    float top = hits.get(0).similarity();
    float sum = 0;
    for (int k = 0; k < cols.length; k++) {
      cols[k] = column.applyAsInt(hits.get(k).id());
      w[k] = (float) Math.exp((hits.get(k).similarity() - top) / TEMPERATURE);
      sum += w[k];
    }
    for (int k = 0; k < w.length; k++) {
      w[k] /= sum;
    }
    return new TextNeighbours(cols, w);
  }
}
