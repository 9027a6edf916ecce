package org.causalrec.causal;

import java.util.Arrays;
import org.causalrec.data.Impressions;

/**
 * The pair features of a session's examples: from the user's history strictly before the
 * session starts (so nothing the session or later sessions did reaches them), each item's row
 * without the item itself ({@link CfFeatures#forHistory}); memoised per (user, history length).
 */
final class SessionFeatures {
  private final CfFeatures features;
  private final Impressions log;
  private final java.util.Map<Long, float[]> memo = new java.util.HashMap<>();
  private final long budget;

  SessionFeatures(CfFeatures features, Impressions log, int items) {
    this.features = features;
    this.log = log;
    this.budget = UpliftModel.MEMO_FLOATS / ((long) items * CfFeatures.DIM);
  }

  /** Features of every item for user u in a session starting at epoch second {@code start}. */
  float[] at(int u, long start) {
    int visible = Impressions.firstAtOrAfter(log.historyTime()[u], start);
    long key = ((long) u << 32) | visible;
    float[] f = memo.get(key);
    if (f == null) {
      f = features.forHistory(Arrays.copyOf(log.history()[u], visible));
      if (memo.size() < budget) {
        memo.put(key, f);
      }
    }
    return f;
  }
}
