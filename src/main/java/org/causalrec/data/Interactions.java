package org.causalrec.data;

import java.util.Arrays;

/**
 * An immutable sparse user × item matrix in CSR form: row u holds user u's items (ascending) and
 * their implicit-feedback weights. No dense user × item matrix is ever built.
 */
public final class Interactions {

  private final int users;
  private final int items;
  private final int[] rowStart;
  private final int[] cols;
  private final float[] weights;

  private Interactions(int users, int items, int[] rowStart, int[] cols, float[] weights) {
    this.users = users;
    this.items = items;
    this.rowStart = rowStart;
    this.cols = cols;
    this.weights = weights;
  }

  /** Number of rows (users). */
  public int users() {
    return users;
  }

  /** Number of columns (items). */
  public int items() {
    return items;
  }

  /** Number of stored (user, item) pairs. */
  public int nnz() {
    return cols.length;
  }

  /** User u's items, ascending (a copy). */
  public int[] row(int u) {
    return Arrays.copyOfRange(cols, rowStart[u], rowStart[u + 1]);
  }

  /** User u's weights, aligned with {@link #row(int)} (a copy). */
  public float[] rowWeights(int u) {
    return Arrays.copyOfRange(weights, rowStart[u], rowStart[u + 1]);
  }

  /** Number of items user u has. */
  public int rowLength(int u) {
    return rowStart[u + 1] - rowStart[u];
  }

  /** Writes user u's binary multi-hot row into {@code dst} starting at {@code offset}. */
  public void fillBinaryRow(int u, float[] dst, int offset) {
    for (int k = rowStart[u]; k < rowStart[u + 1]; k++) {
      dst[offset + cols[k]] = 1f;
    }
  }

  /** How many users have each item. */
  public int[] itemCounts() {
    int[] c = new int[items];
    for (int col : cols) {
      c[col]++;
    }
    return c;
  }

  /** The sub-matrix of the given rows, in that order (items unchanged). */
  public Interactions selectRows(int[] rows) {
    Builder b = new Builder(rows.length, items);
    for (int r = 0; r < rows.length; r++) {
      int u = rows[r];
      for (int k = rowStart[u]; k < rowStart[u + 1]; k++) {
        b.add(r, cols[k], weights[k]);
      }
    }
    return b.build();
  }

  /** Collects (user, item, weight) triplets; weights of repeated pairs are summed. */
  public static final class Builder {
    private final int users;
    private final int items;
    private int[] us = new int[1024];
    private int[] is = new int[1024];
    private float[] ws = new float[1024];
    private int n;

    /** A builder for a {@code users} × {@code items} matrix. */
    public Builder(int users, int items) {
      this.users = users;
      this.items = items;
    }

    /** Adds weight to (u, i). */
    public Builder add(int u, int i, float w) {
      if (u < 0 || u >= users || i < 0 || i >= items) {
        throw new IndexOutOfBoundsException("(" + u + ", " + i + ") outside " + users + " x " + items);
      }
      if (n == us.length) {
        us = Arrays.copyOf(us, n * 2);
        is = Arrays.copyOf(is, n * 2);
        ws = Arrays.copyOf(ws, n * 2);
      }
      us[n] = u;
      is[n] = i;
      ws[n] = w;
      n++;
      return this;
    }

    /** The CSR matrix: a counting sort by user, then each row sorted by item and merged. */
    public Interactions build() {
      int[] count = new int[users + 1];
      for (int k = 0; k < n; k++) {
        count[us[k] + 1]++;
      }
      for (int u = 0; u < users; u++) {
        count[u + 1] += count[u];
      }
      int[] fill = Arrays.copyOf(count, users);
      long[] packed = new long[n];
      int[] order = new int[n];
      for (int k = 0; k < n; k++) {
        int pos = fill[us[k]]++;
        order[pos] = k;
      }
      for (int p = 0; p < n; p++) {
        packed[p] = ((long) is[order[p]] << 32) | p;
      }
      int[] rowStart = new int[users + 1];
      int[] colsOut = new int[n];
      float[] wOut = new float[n];
      int out = 0;
      for (int u = 0; u < users; u++) {
        rowStart[u] = out;
        int from = count[u];
        int to = count[u + 1];
        Arrays.sort(packed, from, to);
        int last = -1;
        for (int p = from; p < to; p++) {
          int item = (int) (packed[p] >>> 32);
          float weight = ws[order[(int) packed[p]]];
          if (item == last) {
            wOut[out - 1] += weight;
          } else {
            colsOut[out] = item;
            wOut[out] = weight;
            out++;
            last = item;
          }
        }
      }
      rowStart[users] = out;
      return new Interactions(users, items, rowStart, Arrays.copyOf(colsOut, out), Arrays.copyOf(wOut, out));
    }
  }
}
