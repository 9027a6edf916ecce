package org.causalrec.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.causalrec.data.Impressions;

/**
 * P(click | user, item, context) from logged impressions: the user's history before the
 * impression (its item embeddings averaged), the item's embedding, position (one-hot, 0..19 and
 * "other"), surface (one-hot) and hour of day (sine, cosine) through an MLP; sigmoid output
 * trained with binary cross-entropy and Adam.
 */
public final class ClickMlp implements AutoCloseable {

  /** Positions 0..POSITIONS-1 get their own column, the rest (and unlogged ones) share one. */
  static final int POSITIONS = 20;
  /** The most recent history items that represent the user. */
  static final int HISTORY = 50;

  /**
   * Settings.
   *
   * @param embedding user and item embedding size
   * @param hidden hidden layer width
   * @param learningRate Adam learning rate
   * @param batchSize examples per batch
   * @param epochs passes over the examples
   * @param seed random seed
   */
  public record Params(int embedding, int hidden, float learningRate, int batchSize, int epochs, int seed) {
    /** Defaults: 32-d embeddings, 256 hidden units, Adam 1e-3, batches of 1024. */
    public static Params defaults(int epochs) {
      return new Params(32, 256, 1e-3f, 1024, epochs, 4242);
    }
  }

  /**
   * Progress after one epoch.
   *
   * @param epoch epoch from 1
   * @param loss mean training loss
   * @param examplesPerSecond throughput
   */
  public record EpochReport(int epoch, double loss, double examplesPerSecond) {}

  private final Model model;
  private final ClickMlpBlock block;
  private final int surfaces;
  private final int items;
  private final float[][] itemFeatures;

  private ClickMlp(Model model, ClickMlpBlock block, int items, int surfaces, float[][] itemFeatures) {
    this.model = model;
    this.block = block;
    this.items = items;
    this.surfaces = surfaces;
    this.itemFeatures = itemFeatures;
  }

  static int contextDim(int surfaces) {
    return POSITIONS + 1 + surfaces + 2;
  }

  /** Trains on {@code train} (indexes of its vocabularies) without per-item features. */
  public static ClickMlp train(Impressions train, Params p, Device device, Consumer<EpochReport> progress) {
    return train(train, null, p, device, progress);
  }

  /**
   * Trains on {@code train}; {@code itemFeatures} (one row per item index, all of one width, e.g.
   * text embeddings) become an input of the network when not null.
   */
  public static ClickMlp train(Impressions train, float[][] itemFeatures, Params p, Device device,
      Consumer<EpochReport> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    int items = train.items().size();
    int surfaces = train.surfaces().size();
    int featureDim = itemFeatures == null ? 0 : itemFeatures[0].length;
    if (itemFeatures != null && itemFeatures.length != items) {
      throw new IllegalArgumentException("item features have " + itemFeatures.length + " rows for " + items + " items");
    }
    ClickMlpBlock block = new ClickMlpBlock(items, p.embedding(), contextDim(surfaces), featureDim, p.hidden());
    Model model = Model.newInstance("click-mlp", device);
    model.setBlock(block);
    ClickMlp mlp = new ClickMlp(model, block, items, surfaces, itemFeatures);
    Loss loss = Loss.sigmoidBinaryCrossEntropyLoss();
    DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(p.learningRate())).build())
        .optDevices(new Device[] {device});
    int[] order = new int[train.size()];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    SplittableRandom rng = new SplittableRandom(p.seed());
    try (Trainer trainer = model.newTrainer(config)) {
      runEpochs(mlp, trainer, loss, train, order, rng, p, progress);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return mlp;
  }

  private static void runEpochs(ClickMlp mlp, Trainer trainer, Loss loss, Impressions train, int[] order,
      SplittableRandom rng, Params p, Consumer<EpochReport> progress) {
    int n = train.size();
    int featureDim = mlp.itemFeatures == null ? 0 : mlp.itemFeatures[0].length;
    int surfaces = mlp.surfaces;
    Shape[] shapes = {new Shape(p.batchSize(), HISTORY), new Shape(p.batchSize(), HISTORY),
        new Shape(p.batchSize()), new Shape(p.batchSize(), contextDim(surfaces)), new Shape(p.batchSize(), featureDim)};
    trainer.initialize(featureDim > 0 ? shapes : java.util.Arrays.copyOf(shapes, 4));
    for (int epoch = 1; epoch <= p.epochs(); epoch++) {
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      long t0 = System.nanoTime();
      double sum = 0;
      int batches = 0;
      for (int from = 0; from < n; from += p.batchSize()) {
        int to = Math.min(n, from + p.batchSize());
        try (NDManager m = trainer.getManager().newSubManager()) {
          NDList x = mlp.inputs(m, train, order, from, to);
          float[] y = new float[to - from];
          for (int k = from; k < to; k++) {
            y[k - from] = train.clicked()[order[k]] ? 1f : 0f;
          }
          NDArray labels = m.create(y, new Shape(to - from, 1));
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray l = loss.evaluate(new NDList(labels), trainer.forward(x));
            sum += l.getFloat();
            gc.backward(l);
          }
          trainer.step();
        }
        batches++;
      }
      progress.accept(new EpochReport(epoch, sum / Math.max(1, batches), n / ((System.nanoTime() - t0) / 1e9)));
    }
  }

  /**
   * Click probabilities of impressions whose user and item indexes follow this model's
   * vocabularies; indexes outside them use the "unseen" rows.
   */
  public synchronized float[] predict(Impressions data) {
    float[] out = new float[data.size()];
    int chunk = 8_192;
    for (int from = 0; from < data.size(); from += chunk) {
      int to = Math.min(data.size(), from + chunk);
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDList x = inputs(m, data, null, from, to);
        NDArray logits = block.forward(new ParameterStore(m, false), x, false).singletonOrThrow();
        float[] p = ai.djl.nn.Activation.sigmoid(logits).toFloatArray();
        System.arraycopy(p, 0, out, from, to - from);
      }
    }
    return out;
  }

  private NDList inputs(NDManager m, Impressions d, int[] order, int from, int to) {
    int b = to - from;
    int c = contextDim(surfaces);
    long[] hist = new long[b * HISTORY];
    float[] weights = new float[b * HISTORY];
    long[] it = new long[b];
    float[] ctx = new float[b * c];
    java.util.Arrays.fill(hist, items);
    for (int k = 0; k < b; k++) {
      int r = order == null ? from + k : order[from + k];
      int[] h = d.historyBefore(r, HISTORY);
      for (int j = 0; j < h.length; j++) {
        hist[k * HISTORY + j] = h[j] < items ? h[j] : items;
        weights[k * HISTORY + j] = 1f / h.length;
      }
      it[k] = d.item()[r] < items ? d.item()[r] : items;
      int pos = d.position()[r];
      ctx[k * c + (pos >= 0 && pos < POSITIONS ? pos : POSITIONS)] = 1f;
      int s = d.surface()[r] < surfaces ? d.surface()[r] : 0;
      ctx[k * c + POSITIONS + 1 + s] = 1f;
      double angle = 2 * Math.PI * d.hour()[r] / 24.0;
      ctx[k * c + POSITIONS + 1 + surfaces] = (float) Math.sin(angle);
      ctx[k * c + POSITIONS + 2 + surfaces] = (float) Math.cos(angle);
    }
    NDList x = new NDList(m.create(hist, new Shape(b, HISTORY)), m.create(weights, new Shape(b, HISTORY)),
        m.create(it), m.create(ctx, new Shape(b, c)).toType(DataType.FLOAT32, false));
    if (itemFeatures != null) {
      int f = itemFeatures[0].length;
      float[] feats = new float[b * f];
      for (int k = 0; k < b; k++) {
        int col = (int) it[k];
        if (col < items) {
          System.arraycopy(itemFeatures[col], 0, feats, k * f, f);
        }
      }
      x.add(m.create(feats, new Shape(b, f)));
    }
    return x;
  }

  /** The manager holding the parameters (tests check that training and prediction attach nothing to it). */
  NDManager manager() {
    return model.getNDManager();
  }

  /** Saves the parameters into {@code dir}. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    model.save(dir, "click-mlp");
  }

  @Override
  public void close() {
    model.close();
  }
}
