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
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.causalrec.data.Interactions;

/**
 * Mult-VAE (Liang et al., WWW 2018) trained and scored with DJL on the chosen device. Scoring is
 * fold-in: any history, including one never seen in training, is encoded to its mean and decoded
 * to item scores, so new users need no retraining.
 */
public final class MultVae implements CfModel {

  /** File name stem of the saved parameters. */
  static final String NAME = "mult-vae";

  /**
   * Progress after one epoch.
   *
   * @param epoch epoch number from 1
   * @param loss mean training loss of the epoch's batches
   * @param beta KL weight at the epoch's end
   * @param validation validation NDCG@100 (NaN without validation data)
   * @param usersPerSecond training throughput of the epoch
   */
  public record EpochReport(int epoch, double loss, float beta, double validation, double usersPerSecond) {}

  private final Model model;
  private final MultVaeBlock block;
  private final MultVaeParams params;
  private final int items;

  private MultVae(Model model, MultVaeBlock block, MultVaeParams params, int items) {
    this.model = model;
    this.block = block;
    this.params = params;
    this.items = items;
  }

  /**
   * Trains on the rows of {@code train}; after each epoch {@code validate} (may be null) scores the
   * model, and the parameters of the best-scoring epoch are kept.
   */
  public static MultVae train(Interactions train, MultVaeParams p, Device device,
      ToDoubleFunction<CfModel> validate, Consumer<EpochReport> progress) {
    return train(train, p, Objective.NAIVE, null, device, validate, progress);
  }

  /**
   * Trains with a debiasing objective (CAUSAL.md, "Mult-VAE with IPS"): each consumed item's
   * log-softmax term is weighted by {@code inverse} (the clipped inverse exposure propensity of the
   * pair, in the rows' and columns' indexes). {@code ips} renormalises the weights per user so the
   * likelihood's scale per user is unchanged; {@code snips} renormalises them over each batch, so
   * users whose feedback was less likely to be observed weigh more. {@code dr} is defined for
   * pointwise losses only and is refused here.
   */
  public static MultVae train(Interactions train, MultVaeParams p, Objective objective, PairWeights inverse,
      Device device, ToDoubleFunction<CfModel> validate, Consumer<EpochReport> progress) {
    if (objective == Objective.DR) {
      throw new IllegalArgumentException("objective dr is defined for pointwise losses (the click model);"
          + " the Mult-VAE takes naive, ips or snips");
    }
    if (objective.debiased() && inverse == null) {
      throw new IllegalArgumentException("objective " + objective.wireName() + " needs exposure propensities");
    }
    Engine.getInstance().setRandomSeed(p.seed());
    int items = train.items();
    MultVaeBlock block = new MultVaeBlock(items, p.hidden(), p.latent(), p.dropout());
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    MultVae vae = new MultVae(model, block, p, items);
    MultVaeLoss loss = new MultVaeLoss();
    DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(p.learningRate())).build())
        .optDevices(new Device[] {device});
    int[] rows = nonEmptyRows(train);
    SplittableRandom rng = new SplittableRandom(p.seed());
    try (Trainer trainer = model.newTrainer(config)) {
      trainEpochs(vae, trainer, loss, train, rows, rng, p, objective, inverse, validate, progress);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return vae;
  }

  private static void trainEpochs(MultVae vae, Trainer trainer, MultVaeLoss loss, Interactions train, int[] rows,
      SplittableRandom rng, MultVaeParams p, Objective objective, PairWeights inverse,
      ToDoubleFunction<CfModel> validate, Consumer<EpochReport> progress) {
    int items = train.items();
    double best = Double.NEGATIVE_INFINITY;
    byte[] bestParams = null;
    long step = 0;
    trainer.initialize(new Shape(p.batchSize(), items));
    for (int epoch = 1; epoch <= p.epochs(); epoch++) {
      shuffle(rows, rng);
      long t0 = System.nanoTime();
      double lossSum = 0;
      int batches = 0;
      for (int from = 0; from < rows.length; from += p.batchSize()) {
        int to = Math.min(rows.length, from + p.batchSize());
        loss.setBeta(p.beta(step));
        try (NDManager batch = trainer.getManager().newSubManager()) {
          NDArray x = batch.create(dense(train, rows, from, to), new Shape(to - from, items));
          NDArray target = objective.debiased()
              ? batch.create(weighted(train, rows, from, to, objective, inverse), new Shape(to - from, items)) : x;
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray l = loss.evaluate(new NDList(target), trainer.forward(new NDList(x)));
            lossSum += l.getFloat();
            gc.backward(l);
          }
          trainer.step();
        }
        step++;
        batches++;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double score = validate == null ? Double.NaN : validate.applyAsDouble(vae);
      if (bestParams == null || validate == null || score > best) {
        best = score;
        bestParams = vae.parameterBytes();
      }
      progress.accept(new EpochReport(epoch, lossSum / Math.max(1, batches), p.beta(step), score,
          rows.length / seconds));
    }
    vae.loadParameterBytes(bestParams);
  }

  @Override
  public String kind() {
    return "mult-vae";
  }

  /** The hyperparameters it was trained with. */
  public MultVaeParams params() {
    return params;
  }

  /** Fold-in scores (decoder logits) of rows [from, to) of {@code history}. */
  @Override
  public synchronized float[][] score(Interactions history, int from, int to) {
    float[][] out = new float[to - from][];
    int chunk = 1_000;
    for (int a = from; a < to; a += chunk) {
      int b = Math.min(to, a + chunk);
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDArray x = m.create(dense(history, null, a, b), new Shape(b - a, items));
        NDList result = block.forward(new ParameterStore(m, false), new NDList(x), false);
        float[] logits = result.get(0).toFloatArray();
        for (int r = a; r < b; r++) {
          float[] row = new float[items];
          System.arraycopy(logits, (r - a) * items, row, 0, items);
          out[r - from] = row;
        }
      }
    }
    return out;
  }

  /** Saves the parameters and hyperparameters into {@code dir}. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    JsonObject meta = new JsonObject().put("items", items).put("hidden", params.hidden())
        .put("latent", params.latent()).put("dropout", params.dropout()).put("beta_cap", params.betaCap())
        .put("anneal_steps", params.annealSteps()).put("learning_rate", params.learningRate())
        .put("batch_size", params.batchSize()).put("epochs", params.epochs()).put("seed", params.seed());
    Files.writeString(dir.resolve(NAME + ".json"), meta.encodePrettily());
    model.save(dir, NAME);
  }

  /** Loads a model saved by {@link #save}; a missing or corrupt artifact is an IOException. */
  public static MultVae load(Path dir, Device device) throws IOException {
    JsonObject meta;
    try {
      meta = new JsonObject(Files.readString(dir.resolve(NAME + ".json")));
    } catch (RuntimeException e) {
      throw new IOException("unreadable model metadata in " + dir + ": " + e.getMessage(), e);
    }
    MultVaeParams p = new MultVaeParams(meta.getInteger("hidden"), meta.getInteger("latent"),
        meta.getFloat("dropout"), meta.getFloat("beta_cap"), meta.getInteger("anneal_steps"),
        meta.getFloat("learning_rate"), meta.getInteger("batch_size"), meta.getInteger("epochs"),
        meta.getInteger("seed"));
    int items = meta.getInteger("items");
    MultVaeBlock block = new MultVaeBlock(items, p.hidden(), p.latent(), p.dropout());
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    try {
      model.load(dir, NAME);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException("corrupt Mult-VAE parameters in " + dir + ": " + e.getMessage(), e);
    }
    return new MultVae(model, block, p, items);
  }

  /** The manager holding the parameters (tests check that scoring attaches nothing to it). */
  NDManager manager() {
    return model.getNDManager();
  }

  @Override
  public void close() {
    model.close();
  }

  private byte[] parameterBytes() {
    return ParameterBytes.save(block);
  }

  private void loadParameterBytes(byte[] bytes) {
    ParameterBytes.load(block, model.getNDManager(), bytes);
  }


  /** Binary multi-hot rows [from, to) of {@code x} (through {@code rows} when given), row-major. */
  private static float[] dense(Interactions x, int[] rows, int from, int to) {
    int n = x.items();
    float[] buf = new float[(to - from) * n];
    for (int r = from; r < to; r++) {
      x.fillBinaryRow(rows == null ? r : rows[r], buf, (r - from) * n);
    }
    return buf;
  }

  /**
   * The batch's multi-hot rows with each consumed item weighted by {@code inverse}, renormalised
   * per user (ips) or over the batch (snips) so the total weight equals the number of items.
   */
  private static float[] weighted(Interactions x, int[] rows, int from, int to, Objective objective,
      PairWeights inverse) {
    int n = x.items();
    float[] buf = new float[(to - from) * n];
    double batchWeight = 0;
    long batchCount = 0;
    for (int r = from; r < to; r++) {
      int u = rows[r];
      int[] cols = x.row(u);
      double sum = 0;
      for (int c : cols) {
        float w = inverse.weight(u, c);
        buf[(r - from) * n + c] = w;
        sum += w;
      }
      if (objective == Objective.IPS && sum > 0) {
        float scale = (float) (cols.length / sum);
        for (int c : cols) {
          buf[(r - from) * n + c] *= scale;
        }
      }
      batchWeight += sum;
      batchCount += cols.length;
    }
    if (objective == Objective.SNIPS && batchWeight > 0) {
      float scale = (float) (batchCount / batchWeight);
      for (int k = 0; k < buf.length; k++) {
        buf[k] *= scale;
      }
    }
    return buf;
  }

  private static int[] nonEmptyRows(Interactions x) {
    return java.util.stream.IntStream.range(0, x.users()).filter(u -> x.rowLength(u) > 0).toArray();
  }

  private static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
