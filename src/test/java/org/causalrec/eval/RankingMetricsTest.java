package org.causalrec.eval;

import org.causalrec.model.TopK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for the metrics. */
class RankingMetricsTest {

  @Test
  void recallDividesByTheSmallerOfKAndTheTruth() {
    int[] ranked = {5, 3, 9, 1, 7};
    assertEquals(0.5, RankingMetrics.recall(ranked, Set.of(3, 1, 8, 4), 5), 1e-12); // 2 of 4
    assertEquals(1.0, RankingMetrics.recall(ranked, Set.of(3, 1, 8, 4), 2) * 2, 1e-12); // 1 of min(2, 4)
    assertEquals(1.0, RankingMetrics.recall(ranked, Set.of(5), 5), 1e-12);
    assertEquals(0.0, RankingMetrics.recall(ranked, Set.of(42), 5), 1e-12);
    assertTrue(Double.isNaN(RankingMetrics.recall(ranked, Set.of(), 5)));
  }

  @Test
  void ndcgMatchesTheHandComputation() {
    int[] ranked = {5, 3, 9, 1, 7};
    // hits at ranks 1 and 3: DCG = 1/log2(3) + 1/log2(5); ideal for 2 relevant: 1 + 1/log2(3)
    double dcg = 1 / (Math.log(3) / Math.log(2)) + 1 / (Math.log(5) / Math.log(2));
    double idcg = 1 + 1 / (Math.log(3) / Math.log(2));
    assertEquals(dcg / idcg, RankingMetrics.ndcg(ranked, Set.of(3, 1), 5), 1e-12);
    assertEquals(1.0, RankingMetrics.ndcg(ranked, Set.of(5, 3), 5), 1e-12);
    assertEquals(0.0, RankingMetrics.ndcg(ranked, Set.of(3, 1), 1), 1e-12);
    // only the top k count, and the ideal is capped at k
    assertEquals(1 / (Math.log(3) / Math.log(2)) / (1 + 1 / (Math.log(3) / Math.log(2))),
        RankingMetrics.ndcg(ranked, Set.of(3, 2, 4), 2), 1e-12);
  }

  @Test
  void topKReturnsTheBestFirstAndSkipsExclusions() {
    float[] scores = {0.1f, 0.9f, 0.5f, 0.9f, -1f, 0.7f};
    assertArrayEquals(new int[] {1, 3, 5}, TopK.of(scores, 3, null));
    boolean[] exclude = {false, true, false, false, false, false};
    assertArrayEquals(new int[] {3, 5, 2, 0}, TopK.of(scores, 4, exclude));
    assertArrayEquals(new int[] {1, 3, 5, 2, 0, 4}, TopK.of(scores, 10, null));
  }
}
