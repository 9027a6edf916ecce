package org.causalrec.model;

/** The best k of a row of scores: how recommendations, what-if rankings and metrics pick items. */
public final class TopK {

  private TopK() {}

  /** Indices of the k largest scores, best first, skipping those marked in {@code exclude}. */
  public static int[] of(float[] scores, int k, boolean[] exclude) {
    int n = scores.length;
    k = Math.min(k, n);
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < n; i++) {
      if (exclude != null && exclude[i]) {
        continue;
      }
      if (size < k) {
        heap[size++] = i;
        siftUp(heap, size - 1, scores);
      } else if (better(i, heap[0], scores)) {
        heap[0] = i;
        siftDown(heap, size, 0, scores);
      }
    }
    int[] out = new int[size];
    for (int r = size - 1; r >= 0; r--) {
      out[r] = heap[0];
      heap[0] = heap[r];
      siftDown(heap, r, 0, scores);
    }
    return out;
  }

  // a min-heap on (score, -index): the root is the weakest of the kept items
  private static boolean better(int a, int b, float[] s) {
    return s[a] > s[b] || (s[a] == s[b] && a < b);
  }

  private static void siftUp(int[] h, int k, float[] s) {
    while (k > 0) {
      int p = (k - 1) / 2;
      if (!better(h[p], h[k], s)) {
        break;
      }
      int t = h[p];
      h[p] = h[k];
      h[k] = t;
      k = p;
    }
  }

  private static void siftDown(int[] h, int size, int k, float[] s) {
    while (true) {
      int l = 2 * k + 1;
      int r = l + 1;
      int m = k;
      if (l < size && better(h[m], h[l], s)) {
        m = l;
      }
      if (r < size && better(h[m], h[r], s)) {
        m = r;
      }
      if (m == k) {
        return;
      }
      int t = h[m];
      h[m] = h[k];
      h[k] = t;
      k = m;
    }
  }
}
