package org.causalrec.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Probabilities for (user, item) pairs from a {@link PairBlock}, one per head, each head trained
 * with its own weighted binary cross-entropy: the exposure propensity model (one head) and the
 * uplift model (treated and control heads) are both this. Users and items are dense indexes;
 * indexes outside the training vocabularies use the "unseen" rows.
 */
public final class PairModel implements AutoCloseable {

  /**
   * Settings.
   *
   * @param dim embedding size
   * @param learningRate Adam learning rate
   * @param weightDecay L2 penalty on all parameters
   * @param batchSize examples per batch
   * @param epochs passes; each pass asks the example source for a fresh sample
   * @param seed initialisation and shuffling seed
   */
  public record Params(int dim, float learningRate, float weightDecay, int batchSize, int epochs, int seed) {
    public Params {
      if (dim < 1 || batchSize < 1 || epochs < 1 || !(learningRate > 0) || weightDecay < 0) {
        throw new IllegalArgumentException("invalid pair model settings");
      }
    }

    /** 32-d embeddings, Adam 1e-2, a little weight decay, batches of 4096. */
    public static Params defaults(int epochs, int seed) {
      return new Params(32, 1e-2f, 1e-6f, 4096, epochs, seed);
    }
  }

  /**
   * One pass's training examples; {@code label} and {@code weight} hold {@code heads} values per
   * example (row-major), {@code features} the model's pair features per example (row-major; null
   * when it has none). A weight of 0 leaves the example out of that head's loss.
   */
  public record Examples(int[] user, int[] item, float[] label, float[] weight, float[] features) {
    public Examples {
      if (item.length != user.length || label.length != weight.length || user.length > 0
          && label.length % user.length != 0) {
        throw new IllegalArgumentException("examples of mismatched lengths");
      }
    }

    /** Examples without pair features. */
    public Examples(int[] user, int[] item, float[] label, float[] weight) {
      this(user, item, label, weight, null);
    }

    int size() {
      return user.length;
    }
  }

  private static final String NAME = "pair-model";
  /** The most recent history items that represent a user. */
  public static final int HISTORY = 50;

  private final Model model;
  private final PairBlock block;
  private final int users;
  private final int items;
  private final int heads;
  private final int dim;
  private final int features;
  private final int[][] histories;
  /** Per item a fixed content vector (text embedding) that joins the pair features, or null. */
  private final float[][] itemText;
  private final int textDim;

  private PairModel(Model model, PairBlock block, int users, int items, int heads, int dim, int features,
      int[][] histories, float[][] itemText) {
    this.histories = histories;
    this.itemText = itemText;
    this.textDim = itemText == null ? 0 : itemText[0].length;
    this.features = features;
    this.model = model;
    this.block = block;
    this.users = users;
    this.items = items;
    this.heads = heads;
    this.dim = dim;
  }

  /**
   * Trains a model of {@code heads} heads over {@code users} x {@code items}; {@code histories}
   * holds each user's consumed items (oldest first; the last {@link #HISTORY} are used, never the
   * example's own item), {@code source} gives each epoch's examples (called with the epoch from
   * 1), {@code progress} gets each epoch's loss.
   */
  public static PairModel fit(int users, int items, int heads, int[][] histories, Params p, Device device,
      IntFunction<Examples> source, java.util.function.ObjIntConsumer<Double> progress) {
    return fit(users, items, heads, 0, histories, null, p, device, source, null, progress);
  }

  /**
   * As {@link #fit(int, int, int, int[][], Params, Device, IntFunction, java.util.function.ObjIntConsumer)},
   * starting from the embeddings of {@code warm} (same users, items and size) when not null: a
   * model with little signal of its own borrows what a related one learned. With {@code validation}
   * examples, the parameters of the epoch with the lowest loss on them are kept (early stopping),
   * and {@code progress} gets the validation loss instead of the training loss.
   */
  public static PairModel fit(int users, int items, int heads, int features, int[][] histories, PairModel warm,
      Params p, Device device, IntFunction<Examples> source, Examples validation,
      java.util.function.ObjIntConsumer<Double> progress) {
    return fit(users, items, heads, features, null, histories, warm, p, device, source, validation, progress);
  }

  /**
   * As above, with {@code itemText} (one row per item, all of one width; null for none): each
   * pair's item row joins its pair features, so item content (its text embedding) informs every
   * head, and items unseen in training are scored from their content. The rows are saved with the
   * model.
   */
  public static PairModel fit(int users, int items, int heads, int features, float[][] itemText, int[][] histories,
      PairModel warm, Params p, Device device, IntFunction<Examples> source, Examples validation,
      java.util.function.ObjIntConsumer<Double> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    if (itemText != null && (itemText.length != items || itemText[0].length == 0)) {
      throw new IllegalArgumentException("item text rows: " + itemText.length + " for " + items + " items");
    }
    int textDim = itemText == null ? 0 : itemText[0].length;
    PairBlock block = new PairBlock(users, items, p.dim(), heads, features + textDim);
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    PairModel m = new PairModel(model, block, users, items, heads, p.dim(), features, histories, itemText);
    // the loss is computed by weightedBce below; the config only needs one to exist
    DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(p.learningRate()))
            .optWeightDecays(p.weightDecay()).build())
        .optDevices(new Device[] {device});
    java.util.SplittableRandom rng = new java.util.SplittableRandom(p.seed());
    double best = Double.POSITIVE_INFINITY;
    byte[] bestParams = null;
    try (Trainer trainer = model.newTrainer(config)) {
      Shape[] shapes = {new Shape(p.batchSize()), new Shape(p.batchSize()), new Shape(p.batchSize(), HISTORY),
          new Shape(p.batchSize(), HISTORY), new Shape(p.batchSize(), features + textDim)};
      trainer.initialize(features + textDim > 0 ? shapes : java.util.Arrays.copyOf(shapes, 4));
      if (warm != null) {
        m.copyEmbeddings(warm);
      }
      for (int epoch = 1; epoch <= p.epochs(); epoch++) {
        Examples ex = source.apply(epoch);
        int[] order = shuffled(ex.size(), rng);
        double sum = 0;
        int batches = 0;
        for (int from = 0; from < order.length; from += p.batchSize()) {
          int to = Math.min(order.length, from + p.batchSize());
          try (NDManager b = trainer.getManager().newSubManager()) {
            NDList x = m.inputs(b, ex.user(), ex.item(), null, ex.features(), order, from, to);
            float[] y = new float[(to - from) * heads];
            float[] w = new float[(to - from) * heads];
            for (int k = from; k < to; k++) {
              System.arraycopy(ex.label(), order[k] * heads, y, (k - from) * heads, heads);
              System.arraycopy(ex.weight(), order[k] * heads, w, (k - from) * heads, heads);
            }
            try (GradientCollector gc = trainer.newGradientCollector()) {
              NDArray logits = trainer.forward(x).singletonOrThrow();
              NDArray l = weightedBce(logits, b.create(y, new Shape(to - from, heads)),
                  b.create(w, new Shape(to - from, heads)));
              sum += l.getFloat();
              gc.backward(l);
            }
            trainer.step();
          }
          batches++;
        }
        if (validation == null) {
          progress.accept(sum / Math.max(1, batches), epoch);
          continue;
        }
        double v = m.loss(validation, p.batchSize());
        progress.accept(v, epoch);
        if (v < best) {
          best = v;
          bestParams = m.parameterBytes();
        }
      }
      if (bestParams != null) {
        m.loadParameterBytes(bestParams);
      }
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return m;
  }

  /**
   * Per head, the weighted mean over the batch of the binary cross-entropy of the logits against
   * (possibly soft) labels, summed over heads: max(x, 0) - x y + log(1 + exp(-|x|)).
   */
  static NDArray weightedBce(NDArray logits, NDArray labels, NDArray weights) {
    NDArray bce = logits.maximum(0f).sub(logits.mul(labels)).add(logits.abs().neg().exp().add(1f).log());
    NDArray perHead = bce.mul(weights).sum(new int[] {0}).div(weights.sum(new int[] {0}).maximum(1e-6f));
    return perHead.sum();
  }

  /**
   * Probabilities of every head for the pairs (users[k], items[k]), row-major [n, heads], the users
   * represented by their training histories.
   */
  public float[] predict(int[] users, int[] items) {
    return predict(users, items, null, null);
  }

  /**
   * As {@link #predict(int[], int[])}, with {@code history} (oldest first) standing for every
   * pair's user when not null (a user's current history, or that of a user unseen in training),
   * and {@code features} the pairs' features (row-major) for a model that has them.
   */
  public synchronized float[] predict(int[] users, int[] items, int[] history, float[] features) {
    if ((features == null) != (this.features == 0)) {
      throw new IllegalArgumentException(this.features == 0 ? "this model takes no pair features"
          : "this model needs " + this.features + " features per pair");
    }
    float[] out = new float[users.length * heads];
    int chunk = 16_384;
    for (int from = 0; from < users.length; from += chunk) {
      int to = Math.min(users.length, from + chunk);
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDArray logits = block.forward(new ParameterStore(m, false), inputs(m, users, items, history, features, null, from, to),
            false)
            .singletonOrThrow();
        System.arraycopy(ai.djl.nn.Activation.sigmoid(logits).toFloatArray(), 0, out, from * heads, (to - from) * heads);
      }
    }
    return out;
  }

  /** Probabilities of every head for user u and every item, row-major [items, heads]. */
  public float[] predictUser(int u) {
    return predictUser(u, null, null);
  }

  /**
   * As {@link #predictUser(int)} with {@code history} (when not null) standing for the user's and
   * {@code features} the pair features of every item (row-major), for a model that has them.
   */
  public float[] predictUser(int u, int[] history, float[] features) {
    int[] us = new int[items];
    int[] is = new int[items];
    for (int i = 0; i < items; i++) {
      us[i] = u;
      is[i] = i;
    }
    return predict(us, is, history, features);
  }

  private void copyEmbeddings(PairModel from) {
    if (from.users != users || from.items != items || from.dim != dim) {
      throw new IllegalArgumentException("a warm start needs a model of the same users, items and size");
    }
    var src = from.block.getParameters();
    var dst = block.getParameters();
    for (String name : java.util.List.of("user_embedding", "item_embedding", "history_embedding")) {
      NDArray target = dst.get(name).getArray();
      target.set(java.nio.FloatBuffer.wrap(src.get(name).getArray().toFloatArray()));
    }
  }

  /** The loss of {@link #weightedBce} over {@code ex}, averaged over batches, without training. */
  synchronized double loss(Examples ex, int batchSize) {
    double sum = 0;
    int batches = 0;
    for (int from = 0; from < ex.size(); from += batchSize) {
      int to = Math.min(ex.size(), from + batchSize);
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDList x = inputs(m, ex.user(), ex.item(), null, ex.features(), null, from, to);
        NDArray logits = block.forward(new ParameterStore(m, false), x, false).singletonOrThrow();
        float[] y = java.util.Arrays.copyOfRange(ex.label(), from * heads, to * heads);
        float[] w = java.util.Arrays.copyOfRange(ex.weight(), from * heads, to * heads);
        sum += weightedBce(logits, m.create(y, new Shape(to - from, heads)), m.create(w, new Shape(to - from, heads)))
            .getFloat();
        batches++;
      }
    }
    return sum / Math.max(1, batches);
  }

  private byte[] parameterBytes() {
    return ParameterBytes.save(block);
  }

  private void loadParameterBytes(byte[] bytes) {
    ParameterBytes.load(block, model.getNDManager(), bytes);
  }


  /** Width of the item text rows (0 when the model has none). */
  public int textDim() {
    return textDim;
  }

  /** Number of pair features per pair (0 for none). */
  public int features() {
    return features;
  }

  /** Number of heads. */
  public int heads() {
    return heads;
  }

  /** Number of items it was trained over. */
  public int items() {
    return items;
  }

  /** Number of users it was trained over. */
  public int users() {
    return users;
  }

  private NDList inputs(NDManager m, int[] us, int[] is, int[] history, float[] feats, int[] order, int from,
      int to) {
    int b = to - from;
    long[] u = new long[b];
    long[] i = new long[b];
    long[] h = new long[b * HISTORY];
    float[] w = new float[b * HISTORY];
    java.util.Arrays.fill(h, items);
    for (int k = from; k < to; k++) {
      int r = order == null ? k : order[k];
      u[k - from] = us[r] >= 0 && us[r] < users ? us[r] : users;
      i[k - from] = is[r] >= 0 && is[r] < items ? is[r] : items;
      int[] hist = history != null ? history
          : histories != null && us[r] >= 0 && us[r] < histories.length ? histories[us[r]] : null;
      if (hist == null) {
        continue;
      }
      int n = 0;
      int row = (k - from) * HISTORY;
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
      for (int k = from; k < to; k++) {
        int r = order == null ? k : order[k];
        if (features > 0) {
          System.arraycopy(feats, r * features, f, (k - from) * width, features);
        }
        // items outside the vocabulary have no stored row: zeros
        if (textDim > 0 && is[r] >= 0 && is[r] < items) {
          System.arraycopy(itemText[is[r]], 0, f, (k - from) * width + features, textDim);
        }
      }
      x.add(m.create(f, new Shape(b, width)));
    }
    return x;
  }

  private static int[] shuffled(int n, java.util.SplittableRandom rng) {
    int[] a = new int[n];
    for (int k = 0; k < n; k++) {
      a[k] = k;
    }
    for (int k = n - 1; k > 0; k--) {
      int j = rng.nextInt(k + 1);
      int t = a[k];
      a[k] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** Saves parameters and shape into {@code dir} under {@code name}. */
  public void save(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".json"), new JsonObject().put("users", users).put("items", items)
        .put("heads", heads).put("dim", dim).put("features", features).put("text_dim", textDim).encodePrettily());
    model.save(dir, name);
    if (textDim > 0) {
      Files.write(dir.resolve(name + "-item-text.bin"), org.causalrec.core.FloatBytes.of(itemText));
    }
  }

  /**
   * Loads a model saved by {@link #save}; a missing or corrupt artifact is an IOException. Users
   * have no stored history: pass their current one to {@link #predict(int[], int[], int[])}.
   */
  public static PairModel load(Path dir, String name, Device device) throws IOException {
    JsonObject meta;
    try {
      meta = new JsonObject(Files.readString(dir.resolve(name + ".json")));
    } catch (RuntimeException e) {
      throw new IOException("unreadable model metadata in " + dir + ": " + e.getMessage(), e);
    }
    int users = meta.getInteger("users");
    int items = meta.getInteger("items");
    int heads = meta.getInteger("heads");
    int dim = meta.getInteger("dim");
    int features = meta.getInteger("features", 0);
    int textDim = meta.getInteger("text_dim", 0);
    float[][] itemText = null;
    if (textDim > 0) {
      byte[] bytes = Files.readAllBytes(dir.resolve(name + "-item-text.bin"));
      if (bytes.length != 4 * items * textDim) {
        throw new IOException("corrupt item text rows in " + dir + ": " + bytes.length + " bytes");
      }
      itemText = org.causalrec.core.FloatBytes.rows(bytes, textDim);
    }
    PairBlock block = new PairBlock(users, items, dim, heads, features + textDim);
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    try {
      model.load(dir, name);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException("corrupt parameters in " + dir + ": " + e.getMessage(), e);
    }
    return new PairModel(model, block, users, items, heads, dim, features, null, itemText);
  }

  /** The manager holding the parameters (tests check nothing else is attached to it). */
  NDManager manager() {
    return model.getNDManager();
  }

  @Override
  public void close() {
    model.close();
  }
}
