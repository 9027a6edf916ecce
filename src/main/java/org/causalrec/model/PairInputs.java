package org.causalrec.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Builds a {@link PairBlock}'s inputs for a batch of (user, item) pairs: user and item indexes
 * (outside the vocabularies: the "unseen" rows), the user's most recent history items with the
 * pair's own item left out, and the pair features followed by the item's text row.
 */
final class PairInputs {

  /** The most recent history items that represent a user. */
  static final int HISTORY = 50;

  private final int users;
  private final int items;
  private final int features;
  private final int[][] histories;
  private final float[][] itemText;
  private final int textDim;

  /**
   * @param histories each training user's consumed items, oldest first, or null
   * @param itemText one row per item (its text embedding), or null
   */
  PairInputs(int users, int items, int features, int[][] histories, float[][] itemText) {
    this.users = users;
    this.items = items;
    this.features = features;
    this.histories = histories;
    this.itemText = itemText;
    this.textDim = itemText == null ? 0 : itemText[0].length;
  }

  int textDim() {
    return textDim;
  }

  float[][] itemText() {
    return itemText;
  }

  /**
   * Inputs of the pairs {@code rows} of (us, is) with their {@code feats} (row-major, or null);
   * {@code history}, when not null, stands for every pair's user.
   */
  NDList of(NDManager m, int[] us, int[] is, int[] history, float[] feats, int[] rows) {
    int b = rows.length;
    long[] u = new long[b];
    long[] i = new long[b];
    long[] h = new long[b * HISTORY];
    float[] w = new float[b * HISTORY];
    java.util.Arrays.fill(h, items);
    for (int k = 0; k < b; k++) {
      int r = rows[k];
      u[k] = us[r] >= 0 && us[r] < users ? us[r] : users;
      i[k] = is[r] >= 0 && is[r] < items ? is[r] : items;
      int[] hist = history != null ? history
          : histories != null && us[r] >= 0 && us[r] < histories.length ? histories[us[r]] : null;
      if (hist == null) {
        continue;
      }
      int n = 0;
      int row = k * HISTORY;
      // the most recent distinct-from-target items, newest first; the target itself is left out
      for (int j = hist.length - 1; j >= 0 && n < HISTORY; j--) {
        if (hist[j] != is[r] && hist[j] >= 0 && hist[j] < items) {
          h[row + n++] = hist[j];
        }
      }
      for (int j = 0; j < n; j++) {
        w[row + j] = 1f / n;
      }
    }
    NDList x = new NDList(m.create(u), m.create(i), m.create(h, new Shape(b, HISTORY)),
        m.create(w, new Shape(b, HISTORY)));
    int width = features + textDim;
    if (width > 0) {
      float[] f = new float[b * width];
      for (int k = 0; k < b; k++) {
        int r = rows[k];
        if (features > 0) {
          System.arraycopy(feats, r * features, f, k * width, features);
        }
        // items outside the vocabulary have no stored row: zeros
        if (textDim > 0 && is[r] >= 0 && is[r] < items) {
          System.arraycopy(itemText[is[r]], 0, f, k * width + features, textDim);
        }
      }
      x.add(m.create(f, new Shape(b, width)));
    }
    return x;
  }

  /** The shapes the block is initialised with for batches of {@code batchSize}. */
  Shape[] shapes(int batchSize) {
    Shape[] shapes = {new Shape(batchSize), new Shape(batchSize), new Shape(batchSize, HISTORY),
        new Shape(batchSize, HISTORY), new Shape(batchSize, features + textDim)};
    return features + textDim > 0 ? shapes : java.util.Arrays.copyOf(shapes, 4);
  }
}
