package org.causalrec.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InteractionsTest {

  @Test
  void buildsSortedMergedRows() {
    Interactions x = new Interactions.Builder(3, 5)
        .add(2, 4, 1f).add(0, 3, 1f).add(0, 1, 2f).add(2, 0, 1f).add(0, 3, 0.5f)
        .build();
    assertEquals(4, x.nnz());
    assertArrayEquals(new int[] {1, 3}, x.row(0));
    assertArrayEquals(new float[] {2f, 1.5f}, x.rowWeights(0));
    assertArrayEquals(new int[] {}, x.row(1));
    assertArrayEquals(new int[] {0, 4}, x.row(2));
    assertArrayEquals(new int[] {1, 1, 0, 1, 1}, x.itemCounts());
    Interactions sub = x.selectRows(new int[] {2, 0});
    assertArrayEquals(new int[] {0, 4}, sub.row(0));
    assertArrayEquals(new int[] {1, 3}, sub.row(1));
    float[] dense = new float[10];
    sub.fillBinaryRow(1, dense, 5);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 1, 0, 1, 0}, dense);
  }
}
