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

  /**
   * How the training impressions are weighed (CAUSAL.md, "Debiased learning"). The population is
   * every (session, item) pair; an impression's label is what the user did with it when shown.
   *
   * @param objective naive (the mean loss over impressions), ips, snips or dr (DR-JL)
   * @param propensity per training impression: the probability that it was shown (logged or learned)
   * @param minPropensity propensities are raised to at least this
   * @param unshown dr only: sampled pairs the sessions did not show (same vocabularies), or null
   * @param unshownWeight dr only: how many unshown pairs each sampled one stands for
   */
  public record Debiasing(Objective objective, float[] propensity, float minPropensity, Impressions unshown,
      float[] unshownWeight) {

    /** No debiasing: the mean loss over the logged impressions. */
    public static final Debiasing NONE = new Debiasing(Objective.NAIVE, null, 0f, null, null);

    public Debiasing {
      if (objective.debiased() && propensity == null) {
        throw new IllegalArgumentException(objective.wireName() + " needs the impressions' propensities");
      }
      if (objective == Objective.DR && (unshown == null || unshownWeight == null
          || unshownWeight.length != unshown.size())) {
        throw new IllegalArgumentException("dr needs a sample of unshown pairs and their weights");
      }
      if (objective.debiased() && !(minPropensity > 0 && minPropensity <= 1)) {
        throw new IllegalArgumentException("minPropensity must be in (0, 1]");
      }
    }
  }

  private final Model model;
  private final ClickMlpBlock block;
  private final int surfaces;
  private final int items;
  private final float[][] itemFeatures;

  private ClickMlp(Model model, int items, int surfaces, float[][] itemFeatures) {
    this.model = model;
    this.block = (ClickMlpBlock) model.getBlock();
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
    return train(train, itemFeatures, p, Debiasing.NONE, device, progress);
  }

  /** Trains on {@code train} with the objective and propensities of {@code debiasing}. */
  public static ClickMlp train(Impressions train, float[][] itemFeatures, Params p, Debiasing debiasing,
      Device device, Consumer<EpochReport> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    if (debiasing.propensity() != null && debiasing.propensity().length != train.size()) {
      throw new IllegalArgumentException("one propensity per training impression is needed");
    }
    int items = train.items().size();
    int surfaces = train.surfaces().size();
    int featureDim = itemFeatures == null ? 0 : itemFeatures[0].length;
    if (itemFeatures != null && itemFeatures.length != items) {
      throw new IllegalArgumentException("item features have " + itemFeatures.length + " rows for " + items + " items");
    }
    ClickMlp mlp = new ClickMlp(newModel("click-mlp", items, surfaces, featureDim, p, device), items, surfaces,
        itemFeatures);
    Examples ex = Examples.of(train, debiasing);
    Model imputation = debiasing.objective() == Objective.DR
        ? newModel("click-imputation", items, surfaces, featureDim, p, device) : null;
    SplittableRandom rng = new SplittableRandom(p.seed());
    try (Trainer trainer = mlp.model.newTrainer(config(p, device));
        Trainer imputer = imputation == null ? null : imputation.newTrainer(config(p, device))) {
      Shape[] shapes = inputShapes(p, surfaces, featureDim);
      trainer.initialize(shapes);
      if (imputer != null) {
        imputer.initialize(shapes);
      }
      runEpochs(mlp, trainer, imputer, ex, rng, p, progress);
    } catch (RuntimeException e) {
      mlp.model.close();
      throw e;
    } finally {
      if (imputation != null) {
        imputation.close();
      }
    }
    return mlp;
  }

  private static Model newModel(String name, int items, int surfaces, int featureDim, Params p, Device device) {
    Model model = Model.newInstance(name, device);
    model.setBlock(new ClickMlpBlock(items, p.embedding(), contextDim(surfaces), featureDim, p.hidden()));
    return model;
  }

  private static DefaultTrainingConfig config(Params p, Device device) {
    // the losses are computed in runEpochs; the config only needs one to exist
    return new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(p.learningRate())).build())
        .optDevices(new Device[] {device});
  }

  private static Shape[] inputShapes(Params p, int surfaces, int featureDim) {
    Shape[] shapes = {new Shape(p.batchSize(), HISTORY), new Shape(p.batchSize(), HISTORY),
        new Shape(p.batchSize()), new Shape(p.batchSize(), contextDim(surfaces)), new Shape(p.batchSize(), featureDim)};
    return featureDim > 0 ? shapes : java.util.Arrays.copyOf(shapes, 4);
  }

  /**
   * The rows one epoch passes over: the impressions and, for dr, the unshown sample after them.
   *
   * @param rows impressions, then unshown pairs
   * @param observed per row: shown (an impression) or not
   * @param inverse per row: 1 / clipped propensity for impressions (1 for naive), 0 for unshown pairs
   * @param weight per row: 1 for impressions, the pairs it stands for when unshown
   * @param objective the objective
   * @param meanInverse the mean of {@code inverse} over impressions (ips's normaliser)
   */
  private record Examples(Impressions rows, boolean[] observed, float[] inverse, float[] weight,
      Objective objective, double meanInverse) {

    static Examples of(Impressions train, Debiasing d) {
      int n = train.size();
      Impressions rows = d.objective() == Objective.DR ? train.concat(d.unshown()) : train;
      int m = rows.size();
      boolean[] observed = new boolean[m];
      float[] inverse = new float[m];
      float[] weight = new float[m];
      double sum = 0;
      for (int k = 0; k < n; k++) {
        observed[k] = true;
        weight[k] = 1f;
        float e = d.objective().debiased() ? d.propensity()[k] : 1f;
        inverse[k] = 1f / Math.max(d.minPropensity(), Float.isNaN(e) ? 1f : Math.min(1f, e));
        sum += inverse[k];
      }
      for (int k = n; k < m; k++) {
        weight[k] = d.unshownWeight()[k - n];
      }
      return new Examples(rows, observed, inverse, weight, d.objective(), sum / Math.max(1, n));
    }
  }

  private static void runEpochs(ClickMlp mlp, Trainer trainer, Trainer imputer, Examples ex, SplittableRandom rng,
      Params p, Consumer<EpochReport> progress) {
    Impressions train = ex.rows();
    int n = train.size();
    int[] order = new int[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
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
          int b = to - from;
          float[] y = new float[b];
          float[] obs = new float[b];
          float[] inv = new float[b];
          float[] w = new float[b];
          for (int k = from; k < to; k++) {
            int r = order[k];
            y[k - from] = train.clicked()[r] ? 1f : 0f;
            obs[k - from] = ex.observed()[r] ? 1f : 0f;
            inv[k - from] = ex.inverse()[r];
            w[k - from] = ex.weight()[r];
          }
          Shape col = new Shape(b, 1);
          NDArray labels = m.create(y, col);
          NDArray inverse = m.create(inv, col);
          NDArray imputed = null;
          if (imputer != null) {
            imputed = imputationStep(trainer, imputer, x, labels, m.create(obs, col), inverse);
          }
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray logits = trainer.forward(x).singletonOrThrow();
            NDArray l = objectiveLoss(ex, logits, labels, inverse, m.create(obs, col), m.create(w, col), imputed);
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

  /** Binary cross-entropy of logits against (soft) labels, element-wise. */
  static NDArray bce(NDArray logits, NDArray labels) {
    return logits.maximum(0f).sub(logits.mul(labels)).add(logits.abs().neg().exp().add(1f).log());
  }

  /**
   * The batch loss of the objective: naive, the mean over impressions; ips, the sum of loss/p
   * over the batch size times the mean 1/p (a constant multiple of the IPS estimate over all
   * pairs); snips, the sum of loss/p over the sum of 1/p; dr, over all pairs the imputed error
   * plus, for impressions, the inverse-propensity-weighted correction (e - e_hat) / p.
   */
  private static NDArray objectiveLoss(Examples ex, NDArray logits, NDArray labels, NDArray inverse,
      NDArray observed, NDArray weight, NDArray imputed) {
    NDArray e = bce(logits, labels);
    return switch (ex.objective()) {
      case NAIVE -> e.mean();
      case IPS -> e.mul(inverse).sum().div((float) (e.getShape().get(0) * ex.meanInverse()));
      case SNIPS -> e.mul(inverse).sum().div(inverse.sum());
      case DR -> {
        NDArray eHat = bce(logits, imputed);
        NDArray perPair = eHat.mul(weight).add(observed.mul(e.sub(eHat)).mul(inverse));
        yield perPair.sum().div(weight.sum());
      }
    };
  }

  /**
   * DR-JL's imputation step on the batch's impressions: with the predictor fixed, fit the imputed
   * label g so that the imputed error bce(prediction, g) matches the observed bce(prediction, y),
   * weighted by 1/p. Returns g for the predictor's step, detached.
   */
  private static NDArray imputationStep(Trainer trainer, Trainer imputer, NDList x, NDArray labels,
      NDArray observed, NDArray inverse) {
    NDArray prediction = trainer.forward(x).singletonOrThrow().stopGradient();
    NDArray error = bce(prediction, labels);
    NDArray weights = observed.mul(inverse);
    try (GradientCollector gc = imputer.newGradientCollector()) {
      NDArray g = ai.djl.nn.Activation.sigmoid(imputer.forward(x).singletonOrThrow());
      NDArray gap = error.sub(bce(prediction, g));
      NDArray l = gap.square().mul(weights).sum().div(weights.sum().maximum(1e-6f));
      gc.backward(l);
    }
    imputer.step();
    return ai.djl.nn.Activation.sigmoid(imputer.forward(x).singletonOrThrow()).stopGradient();
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
