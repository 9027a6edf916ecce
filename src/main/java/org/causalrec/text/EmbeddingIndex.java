package org.causalrec.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * The item embeddings of one model in memory, as one row-major float matrix, searched exactly
 * (every row's dot product with the query; vectors are unit length, so it is the cosine). 100k
 * items of 384 floats take 154 MB and one search reads them once; docs/BENCHMARKS.md has the
 * latency. Reads share a lock, writes take it alone.
 */
public final class EmbeddingIndex {

  /**
   * One search result.
   *
   * @param id item id
   * @param title item title
   * @param similarity cosine similarity to the query
   */
  public record Hit(String id, String title, float similarity) {}

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, Integer> rows = new HashMap<>();
  private int dimension;
  private int size;
  private volatile long revision;
  private float[] matrix = new float[0];
  private String[] ids = new String[0];
  private String[] titles = new String[0];
  private List<String>[] categories = newCategories(0);

  /** Adds or replaces an item's vector; a vector of another dimension (a new model) empties the index first. */
  public void put(String id, String title, List<String> itemCategories, float[] vector) {
    lock.writeLock().lock();
    try {
      if (dimension != vector.length) {
        clearLocked();
        dimension = vector.length;
      }
      Integer row = rows.get(id);
      if (row == null) {
        row = size++;
        grow();
        rows.put(id, row);
        ids[row] = id;
      }
      titles[row] = title;
      categories[row] = itemCategories == null ? List.of() : List.copyOf(itemCategories);
      System.arraycopy(vector, 0, matrix, row * dimension, dimension);
      revision++;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Drops an item (a deleted one). */
  public void remove(String id) {
    lock.writeLock().lock();
    try {
      Integer row = rows.remove(id);
      if (row == null) {
        return;
      }
      int last = --size;
      if (row != last) {
        System.arraycopy(matrix, last * dimension, matrix, row * dimension, dimension);
        ids[row] = ids[last];
        titles[row] = titles[last];
        categories[row] = categories[last];
        rows.put(ids[row], row);
      }
      ids[last] = null;
      titles[last] = null;
      categories[last] = null;
      revision++;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void grow() {
    if (size <= ids.length) {
      return;
    }
    int cap = Math.max(1024, ids.length * 2);
    ids = java.util.Arrays.copyOf(ids, cap);
    titles = java.util.Arrays.copyOf(titles, cap);
    categories = java.util.Arrays.copyOf(categories, cap);
    matrix = java.util.Arrays.copyOf(matrix, cap * dimension);
  }

  private void clearLocked() {
    rows.clear();
    size = 0;
    matrix = new float[0];
    ids = new String[0];
    titles = new String[0];
    categories = newCategories(0);
  }

  @SuppressWarnings("unchecked")
  private static List<String>[] newCategories(int n) {
    return (List<String>[]) new List<?>[n];
  }

  /** A copy of the item's vector, or null. */
  public float[] vector(String id) {
    lock.readLock().lock();
    try {
      Integer row = rows.get(id);
      return row == null ? null : java.util.Arrays.copyOfRange(matrix, row * dimension, (row + 1) * dimension);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The item's title, or null when the item is not indexed. */
  public String title(String id) {
    lock.readLock().lock();
    try {
      Integer row = rows.get(id);
      return row == null ? null : titles[row];
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The item's categories, or null when the item is not indexed. */
  public List<String> categories(String id) {
    lock.readLock().lock();
    try {
      Integer row = rows.get(id);
      return row == null ? null : categories[row];
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The ids indexed now. */
  public List<String> ids() {
    lock.readLock().lock();
    try {
      return List.of(java.util.Arrays.copyOf(ids, size));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Grows with every change: equal revisions mean equal contents. */
  public long revision() {
    return revision;
  }

  /** Items indexed. */
  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The vectors' length (0 while empty). */
  public int dimension() {
    lock.readLock().lock();
    try {
      return dimension;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The {@code n} items most similar to {@code query}, best first, leaving out those {@code skip} accepts. */
  public List<Hit> nearest(float[] query, int n, Predicate<String> skip) {
    lock.readLock().lock();
    try {
      if (size == 0 || query.length != dimension || n <= 0) {
        return List.of();
      }
      // a min-heap of the best n rows so far, on primitive arrays
      int[] heapRow = new int[n];
      float[] heapSim = new float[n];
      int filled = 0;
      for (int r = 0; r < size; r++) {
        float s = Vectors.dot(query, matrix, r);
        if (filled == n && s <= heapSim[0]) {
          continue;
        }
        if (skip != null && skip.test(ids[r])) {
          continue;
        }
        if (filled < n) {
          heapRow[filled] = r;
          heapSim[filled] = s;
          siftUp(heapRow, heapSim, filled++);
        } else {
          heapRow[0] = r;
          heapSim[0] = s;
          siftDown(heapRow, heapSim, filled);
        }
      }
      List<Hit> out = new ArrayList<>(filled);
      for (int k = 0; k < filled; k++) {
        out.add(new Hit(ids[heapRow[k]], titles[heapRow[k]], heapSim[k]));
      }
      out.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Cosine similarity of two indexed items, or NaN when either is missing. */
  public float similarity(String a, String b) {
    lock.readLock().lock();
    try {
      Integer ra = rows.get(a);
      Integer rb = rows.get(b);
      if (ra == null || rb == null) {
        return Float.NaN;
      }
      return Vectors.dot(matrix, ra * dimension, matrix, rb * dimension, dimension);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static void siftUp(int[] row, float[] sim, int k) {
    while (k > 0) {
      int parent = (k - 1) / 2;
      if (sim[parent] <= sim[k]) {
        return;
      }
      swap(row, sim, parent, k);
      k = parent;
    }
  }

  private static void siftDown(int[] row, float[] sim, int n) {
    int k = 0;
    while (true) {
      int l = 2 * k + 1;
      int smallest = k;
      if (l < n && sim[l] < sim[smallest]) {
        smallest = l;
      }
      if (l + 1 < n && sim[l + 1] < sim[smallest]) {
        smallest = l + 1;
      }
      if (smallest == k) {
        return;
      }
      swap(row, sim, smallest, k);
      k = smallest;
    }
  }

  private static void swap(int[] row, float[] sim, int a, int b) {
    int r = row[a];
    row[a] = row[b];
    row[b] = r;
    float s = sim[a];
    sim[a] = sim[b];
    sim[b] = s;
  }
}
