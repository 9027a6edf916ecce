package org.causalrec.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.TrainingConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.causalrec.core.FloatBytes;
import org.causalrec.data.Impressions;

/**
 * P(click | user, item, context) from logged impressions: the user's history before the
 * impression (its item embeddings averaged), the item's embedding, position (one-hot, 0..19 and
 * "other"), surface (one-hot), hour of day (sine, cosine) and optionally per-impression features
 * computed outside (a collaborative model's view of the pair: what lets it re-rank that model's
 * candidates) through an MLP; sigmoid output trained with binary cross-entropy and Adam.
 */
public final class ClickMlp implements TrainedModel<Impressions, float[]> {

  /** File name stem of the saved parameters. */
  static final String NAME = "click-mlp";

  /** The kind: trains on a {@link Data} set, loads a saved model. */
  public static final ModelKind<Data, Params, ClickMlp> KIND = ModelKind.of(NAME, ClickMlp::train, ClickMlp::load);

  /**
   * What the click model trains on.
   *
   * @param train the impressions (indexes of their vocabularies)
   * @param itemFeatures one row per item index, all of one width (e.g. text embeddings), an input
   *     of the network; null for none
   * @param debiasing the objective and propensities
   * @param pairFeatures per-impression inputs computed outside the network, or null for none
   */
  public record Data(Impressions train, float[][] itemFeatures, Debiasing debiasing, ImpressionFeatures pairFeatures) {
    public Data {
      if (debiasing.propensity() != null && debiasing.propensity().length != train.size()) {
        throw new IllegalArgumentException("one propensity per training impression is needed");
      }
      if (itemFeatures != null && itemFeatures.length != train.items().size()) {
        throw new IllegalArgumentException("item features have " + itemFeatures.length + " rows for "
            + train.items().size() + " items");
      }
    }

    /** Without pair features. */
    public Data(Impressions train, float[][] itemFeatures, Debiasing debiasing) {
      this(train, itemFeatures, debiasing, null);
    }

    /** The impressions as logged, without item or pair features. */
    public static Data naive(Impressions train) {
      return new Data(train, null, Debiasing.NONE);
    }
  }

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
   * How the training impressions are weighed. The population is
   * every (session, item) pair; an impression's label is what the user did with it when shown.
   *
   * @param objective naive (the mean loss over impressions), ips, snips, dr (DR-JL) or mrdr
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
      if (objective.doublyRobust() && (unshown == null || unshownWeight == null
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
  private final Params params;
  /** Width of the pair features (0: none). */
  private final int pairDim;
  /** Computes the pair features of impressions; null for none, or for a loaded model (its callers pass them). */
  private final ImpressionFeatures pairFeatures;
  /** Maps the network's probabilities to calibrated ones (identity until {@link #calibrate}). */
  private PlattScaling calibration = PlattScaling.IDENTITY;

  private ClickMlp(Model model, int items, int surfaces, float[][] itemFeatures, Params params, int pairDim,
      ImpressionFeatures pairFeatures) {
    this.model = model;
    this.pairDim = pairDim;
    this.pairFeatures = pairFeatures;
    this.block = (ClickMlpBlock) model.getBlock();
    this.items = items;
    this.surfaces = surfaces;
    this.itemFeatures = itemFeatures;
    this.params = params;
  }

  /**
   * From now on {@link #predict} maps the network's probabilities through {@code c}, fitted on
   * impressions the model did not train on; saved and loaded with the model.
   */
  public synchronized void calibrate(PlattScaling c) {
    calibration = c;
  }

  /** The calibration {@link #predict} applies. */
  public synchronized PlattScaling calibration() {
    return calibration;
  }

  /** Whether item features (e.g. text embeddings) are an input of the network. */
  public boolean usesItemFeatures() {
    return itemFeatures != null;
  }

  /**
   * Width of the pair features the network takes (0: none); a loaded model needs them passed to
   * {@link #predict(Impressions, float[])}.
   */
  public int pairDim() {
    return pairDim;
  }

  static int contextDim(int surfaces, int pairDim) {
    return POSITIONS + 1 + surfaces + 2 + pairDim;
  }

  private static ClickMlp train(Data data, Params p, Device device, Consumer<TrainingLoop.Epoch> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    Impressions train = data.train();
    int items = train.items().size();
    int surfaces = train.surfaces().size();
    int featureDim = data.itemFeatures() == null ? 0 : data.itemFeatures()[0].length;
    int pairDim = data.pairFeatures() == null ? 0 : data.pairFeatures().dim();
    ClickMlp mlp = new ClickMlp(newModel(NAME, items, surfaces, featureDim, pairDim, p, device), items, surfaces,
        data.itemFeatures(), p, pairDim, data.pairFeatures());
    Debiasing debiasing = data.debiasing();
    Model imputation = debiasing.objective().doublyRobust()
        ? newModel("click-imputation", items, surfaces, featureDim, pairDim, p, device) : null;
    TrainingConfig config = config(p, device);
    try (Trainer trainer = mlp.model.newTrainer(config);
        Trainer imputer = imputation == null ? null : imputation.newTrainer(config(p, device))) {
      Shape[] shapes = inputShapes(p, items, contextDim(surfaces, pairDim), featureDim);
      trainer.initialize(shapes);
      if (imputer != null) {
        imputer.initialize(shapes);
      }
      TrainingLoop.run(trainer, config, mlp.block, mlp.model.getNDManager(),
          new TrainingLoop.Settings(p.epochs(), p.batchSize(), p.seed()),
          new ClickBatches(mlp, trainer, imputer, train, debiasing), null, progress);
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

  private static Model newModel(String name, int items, int surfaces, int featureDim, int pairDim, Params p,
      Device device) {
    Model model = Model.newInstance(name, device);
    model.setBlock(new ClickMlpBlock(items, p.embedding(), contextDim(surfaces, pairDim), featureDim, p.hidden()));
    return model;
  }

  private static TrainingConfig config(Params p, Device device) {
    return TrainingLoop.adam(Loss.sigmoidBinaryCrossEntropyLoss(), p.learningRate(), 0f, device);
  }

  private static Shape[] inputShapes(Params p, int items, int contextDim, int featureDim) {
    Shape[] shapes = {new Shape(p.batchSize(), items + 1L), new Shape(p.batchSize()),
        new Shape(p.batchSize(), contextDim), new Shape(p.batchSize(), featureDim)};
    return featureDim > 0 ? shapes : java.util.Arrays.copyOf(shapes, 3);
  }

  /**
   * Click probabilities of impressions whose user and item indexes follow this model's
   * vocabularies; indexes outside them use the "unseen" rows.
   */
  @Override
  public float[] score(Impressions data) {
    return predict(data);
  }

  /** As {@link #score}; the pair features, if the network takes them, computed as in training. */
  public float[] predict(Impressions data) {
    return predict(data, pairFeaturesOf(data));
  }

  /**
   * The pair features of {@code d}'s impressions as training computed them; null when the network
   * takes none. Fails for a loaded model, which does not carry what computed them.
   */
  float[] pairFeaturesOf(Impressions d) {
    if (pairDim == 0) {
      return null;
    }
    if (pairFeatures == null) {
      throw new IllegalStateException("this click model takes pair features: pass them to predict");
    }
    return pairFeatures.of(d);
  }

  /**
   * Click probabilities (calibrated) of {@code data}'s impressions with their pair features
   * ({@code pair}, row-major [data.size(), pairDim()]; null when the network takes none).
   */
  public synchronized float[] predict(Impressions data, float[] pair) {
    if ((pair == null) != (pairDim == 0) || (pair != null && pair.length != data.size() * pairDim)) {
      throw new IllegalArgumentException("this click model takes " + pairDim + " pair features per impression");
    }
    float[] out = new float[data.size()];
    int chunk = 8_192;
    for (int from = 0; from < data.size(); from += chunk) {
      int to = Math.min(data.size(), from + chunk);
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDList x = inputs(m, data, java.util.stream.IntStream.range(from, to).toArray(), pair);
        NDArray logits = block.forward(new ParameterStore(m, false), x, false).singletonOrThrow();
        float[] p = ai.djl.nn.Activation.sigmoid(logits).toFloatArray();
        for (int k = 0; k < p.length; k++) {
          out[from + k] = calibration.apply(p[k]);
        }
      }
    }
    return out;
  }

  /** The network inputs of impressions {@code rows} of {@code d}; {@code pair}: all of d's pair features, or null. */
  NDList inputs(NDManager m, Impressions d, int[] rows, float[] pair) {
    int b = rows.length;
    int c = contextDim(surfaces, pairDim);
    long[][] hist = new long[2][b * HISTORY];
    float[] weights = new float[b * HISTORY];
    int n = 0;
    long[] it = new long[b];
    float[] ctx = new float[b * c];
    for (int k = 0; k < b; k++) {
      int r = rows[k];
      int[] h = d.historyBefore(r, HISTORY);
      for (int j : h) {
        hist[0][n] = k;
        hist[1][n] = j < items ? j : items;
        weights[n++] = 1f / h.length;
      }
      it[k] = d.item()[r] < items ? d.item()[r] : items;
      int pos = d.position()[r];
      ctx[k * c + (pos >= 0 && pos < POSITIONS ? pos : POSITIONS)] = 1f;
      int s = d.surface()[r] < surfaces ? d.surface()[r] : 0;
      ctx[k * c + POSITIONS + 1 + s] = 1f;
      double angle = 2 * Math.PI * d.hour()[r] / 24.0;
      ctx[k * c + POSITIONS + 1 + surfaces] = (float) Math.sin(angle);
      ctx[k * c + POSITIONS + 2 + surfaces] = (float) Math.cos(angle);
      if (pairDim > 0) {
        System.arraycopy(pair, r * pairDim, ctx, k * c + POSITIONS + 3 + surfaces, pairDim);
      }
    }
    NDList x = new NDList(SparseArrays.coo(m, hist, weights, n, new Shape(b, items + 1L)), m.create(it),
        m.create(ctx, new Shape(b, c)));
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

  /** Saves the parameters, the shape and the item feature rows into {@code dir}. */
  @Override
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    int featureDim = itemFeatures == null ? 0 : itemFeatures[0].length;
    Files.writeString(dir.resolve(NAME + ".json"), new JsonObject().put("items", items).put("surfaces", surfaces)
        .put("feature_dim", featureDim).put("pair_dim", pairDim).put("embedding", params.embedding())
        .put("hidden", params.hidden())
        .put("learning_rate", params.learningRate()).put("batch_size", params.batchSize())
        .put("epochs", params.epochs()).put("seed", params.seed())
        .put("platt_a", calibration.a()).put("platt_b", calibration.b()).encodePrettily());
    model.save(dir, NAME);
    if (featureDim > 0) {
      Files.write(dir.resolve(NAME + "-item-features.bin"), FloatBytes.of(itemFeatures));
    }
  }

  private static ClickMlp load(Path dir, Device device) throws IOException {
    JsonObject meta = Artifacts.readMeta(dir, NAME);
    int items = meta.getInteger("items");
    int surfaces = meta.getInteger("surfaces");
    int featureDim = meta.getInteger("feature_dim", 0);
    Params p = new Params(meta.getInteger("embedding"), meta.getInteger("hidden"), meta.getFloat("learning_rate"),
        meta.getInteger("batch_size"), meta.getInteger("epochs"), meta.getInteger("seed"));
    float[][] features = featureDim == 0 ? null
        : Artifacts.readRows(dir.resolve(NAME + "-item-features.bin"), items, featureDim);
    int pairDim = meta.getInteger("pair_dim", 0);
    Model model = newModel(NAME, items, surfaces, featureDim, pairDim, p, device);
    Artifacts.loadParameters(model, dir, NAME);
    ClickMlp mlp = new ClickMlp(model, items, surfaces, features, p, pairDim, null);
    mlp.calibrate(new PlattScaling(meta.getDouble("platt_a", 1.0), meta.getDouble("platt_b", 0.0)));
    return mlp;
  }

  @Override
  public void close() {
    model.close();
  }
}
