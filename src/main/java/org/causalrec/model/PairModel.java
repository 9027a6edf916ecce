package org.causalrec.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.TrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.causalrec.core.FloatBytes;

/**
 * Probabilities for (user, item) pairs from a {@link PairBlock}, one per head, each head trained
 * with its own weighted binary cross-entropy: the exposure propensity model (one head) and the
 * uplift model (treated and control heads) are both this. Users and items are dense indexes;
 * indexes outside the training vocabularies use the "unseen" rows.
 */
public final class PairModel implements TrainedModel<PairModel.Pairs, float[]> {

  private static final String NAME = "pair-model";
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

  /**
   * Pairs to score.
   *
   * @param users user indexes (the training vocabulary; -1 or beyond it for an unseen user)
   * @param items item indexes
   * @param history when not null, stands for every pair's user (oldest first): a user's current
   *     history, or that of a user unseen in training
   * @param features the pairs' features (row-major) for a model that has them, else null
   */
  public record Pairs(int[] users, int[] items, int[] history, float[] features) {
    public Pairs {
      if (items.length != users.length) {
        throw new IllegalArgumentException("pairs of mismatched lengths");
      }
    }
  }

  /**
   * What a pair model trains on.
   *
   * @param users users of the vocabulary
   * @param items items of the vocabulary
   * @param heads outputs per pair
   * @param features pair features per example (0 for none)
   * @param itemText one row per item, all of one width, joining each pair's features so item
   *     content informs every head and unseen items are scored from it (saved with the model); or null
   * @param histories each user's consumed items (oldest first; the last 50 are used, never the
   *     example's own item), or null
   * @param warm a model of the same users, items and size whose embeddings start this one (a model
   *     with little signal of its own borrows what a related one learned), or null
   * @param source each epoch's examples (called with the epoch from 1)
   * @param validation with these, the parameters of the epoch with the lowest loss on them are kept
   *     (early stopping) and progress reports that loss; or null
   */
  public record Data(int users, int items, int heads, int features, float[][] itemText, int[][] histories,
      PairModel warm, IntFunction<Examples> source, Examples validation) {
    public Data {
      if (itemText != null && (itemText.length != items || itemText[0].length == 0)) {
        throw new IllegalArgumentException("item text rows: " + itemText.length + " for " + items + " items");
      }
    }

    /** Data over {@code users} x {@code items} with {@code heads} heads; each withX sets one optional part. */
    public static Data of(int users, int items, int heads, IntFunction<Examples> source) {
      return new Data(users, items, heads, 0, null, null, null, source, null);
    }

    public Data withHistories(int[][] h) {
      return new Data(users, items, heads, features, itemText, h, warm, source, validation);
    }

    public Data withFeatures(int n) {
      return new Data(users, items, heads, n, itemText, histories, warm, source, validation);
    }

    public Data withItemText(float[][] rows) {
      return new Data(users, items, heads, features, rows, histories, warm, source, validation);
    }

    public Data withWarmStart(PairModel model) {
      return new Data(users, items, heads, features, itemText, histories, model, source, validation);
    }

    public Data withValidation(Examples examples) {
      return new Data(users, items, heads, features, itemText, histories, warm, source, examples);
    }
  }

  private final Model model;
  private final PairBlock block;
  private final int users;
  private final int items;
  private final int heads;
  private final int dim;
  private final int features;
  private final PairInputs inputs;

  private PairModel(Model model, PairBlock block, int users, int items, int heads, int dim, int features,
      PairInputs inputs) {
    this.model = model;
    this.block = block;
    this.users = users;
    this.items = items;
    this.heads = heads;
    this.dim = dim;
    this.features = features;
    this.inputs = inputs;
  }

  /** Trains a model on {@code data}; with validation, progress reports the validation loss. */
  public static PairModel train(Data data, Params p, Device device, Consumer<TrainingLoop.Epoch> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    PairInputs in = new PairInputs(data.users(), data.items(), data.features(), data.histories(), data.itemText());
    PairBlock block = new PairBlock(data.users(), data.items(), p.dim(), data.heads(), data.features() + in.textDim());
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    PairModel m = new PairModel(model, block, data.users(), data.items(), data.heads(), p.dim(), data.features(), in);
    TrainingConfig config = TrainingLoop.adam(Loss.l2Loss(), p.learningRate(), p.weightDecay(), device);
    int h = data.heads();
    TrainingLoop.Batches batches = new TrainingLoop.Batches() {
      private Examples ex;

      @Override
      public void initialized() {
        if (data.warm() != null) {
          m.copyEmbeddings(data.warm());
        }
      }

      @Override
      public int examples(int epoch) {
        ex = data.source().apply(epoch);
        return ex.size();
      }

      @Override
      public NDList inputs(NDManager batch, int[] rows) {
        return in.of(batch, ex.user(), ex.item(), null, ex.features(), rows);
      }

      @Override
      public NDArray loss(NDManager batch, NDList x, NDList output, int[] rows, long step) {
        float[] y = new float[rows.length * h];
        float[] w = new float[rows.length * h];
        for (int k = 0; k < rows.length; k++) {
          System.arraycopy(ex.label(), rows[k] * h, y, k * h, h);
          System.arraycopy(ex.weight(), rows[k] * h, w, k * h, h);
        }
        return weightedBce(output.singletonOrThrow(), batch.create(y, new Shape(rows.length, h)),
            batch.create(w, new Shape(rows.length, h)));
      }
    };
    TrainingLoop.Validation validation = data.validation() == null ? null
        : new TrainingLoop.Validation(() -> m.loss(data.validation(), p.batchSize()), false);
    Consumer<TrainingLoop.Epoch> report = validation == null ? progress
        : e -> progress.accept(new TrainingLoop.Epoch(e.epoch(), e.validation(), e.validation(),
            e.examplesPerSecond(), e.steps()));
    TrainingLoop.fit(model, config, in.shapes(p.batchSize()), new TrainingLoop.Settings(p.epochs(), p.batchSize(),
        p.seed()), batches, validation, report);
    return m;
  }

  /**
   * Per head, the weighted mean over the batch of the binary cross-entropy of the logits against
   * (possibly soft) labels, summed over heads: max(x, 0) - x y + log(1 + exp(-|x|)).
   */
  static NDArray weightedBce(NDArray logits, NDArray labels, NDArray weights) {
    NDArray bce = ClickBatches.bce(logits, labels);
    NDArray perHead = bce.mul(weights).sum(new int[] {0}).div(weights.sum(new int[] {0}).maximum(1e-6f));
    return perHead.sum();
  }

  /** Probabilities of every head for the pairs, row-major [n, heads]. */
  @Override
  public float[] score(Pairs pairs) {
    return predict(pairs.users(), pairs.items(), pairs.history(), pairs.features());
  }

  /**
   * Probabilities of every head for the pairs (users[k], items[k]), row-major [n, heads], the users
   * represented by their training histories.
   */
  public float[] predict(int[] users, int[] items) {
    return predict(users, items, null, null);
  }

  /** As {@link #score} for the pairs (users[k], items[k]) with an optional {@code history} and {@code features}. */
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
        NDList x = inputs.of(m, users, items, history, features, range(from, to));
        NDArray logits = block.forward(new ParameterStore(m, false), x, false).singletonOrThrow();
        System.arraycopy(Activation.sigmoid(logits).toFloatArray(), 0, out, from * heads, (to - from) * heads);
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
    Arrays.fill(us, u);
    return predict(us, range(0, items), history, features);
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
        NDList x = inputs.of(m, ex.user(), ex.item(), null, ex.features(), range(from, to));
        NDArray logits = block.forward(new ParameterStore(m, false), x, false).singletonOrThrow();
        float[] y = Arrays.copyOfRange(ex.label(), from * heads, to * heads);
        float[] w = Arrays.copyOfRange(ex.weight(), from * heads, to * heads);
        sum += weightedBce(logits, m.create(y, new Shape(to - from, heads)), m.create(w, new Shape(to - from, heads)))
            .getFloat();
        batches++;
      }
    }
    return sum / Math.max(1, batches);
  }

  private static int[] range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).toArray();
  }
  /** Width of the item text rows (0 when the model has none). */
  public int textDim() {
    return inputs.textDim();
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

  /** Saves parameters and shape into {@code dir} under {@link #NAME}. */
  @Override
  public void save(Path dir) throws IOException {
    save(dir, NAME);
  }

  /** Saves parameters and shape into {@code dir} under {@code name}. */
  public void save(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".json"), new JsonObject().put("users", users).put("items", items)
        .put("heads", heads).put("dim", dim).put("features", features).put("text_dim", textDim()).encodePrettily());
    model.save(dir, name);
    if (textDim() > 0) {
      Files.write(dir.resolve(name + "-item-text.bin"), FloatBytes.of(inputs.itemText()));
    }
  }

  /**
   * Loads a model saved by {@link #save(Path, String)}; a missing or corrupt artifact is an
   * IOException. Users have no stored history: pass their current one to {@link #predict}.
   */
  public static PairModel load(Path dir, String name, Device device) throws IOException {
    JsonObject meta = Artifacts.readMeta(dir, name);
    int users = meta.getInteger("users");
    int items = meta.getInteger("items");
    int heads = meta.getInteger("heads");
    int dim = meta.getInteger("dim");
    int features = meta.getInteger("features", 0);
    int textDim = meta.getInteger("text_dim", 0);
    float[][] itemText = textDim == 0 ? null : Artifacts.readRows(dir.resolve(name + "-item-text.bin"), items, textDim);
    PairBlock block = new PairBlock(users, items, dim, heads, features + textDim);
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    Artifacts.loadParameters(model, dir, name);
    return new PairModel(model, block, users, items, heads, dim, features,
        new PairInputs(users, items, features, null, itemText));
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
