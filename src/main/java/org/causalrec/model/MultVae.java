package org.causalrec.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.TrainingConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.causalrec.data.Interactions;

/**
 * Mult-VAE (Liang et al., WWW 2018) trained and scored with DJL on the chosen device. Scoring is
 * fold-in: any history, including one never seen in training, is encoded to its mean and decoded
 * to item scores, so new users need no retraining.
 */
public final class MultVae implements CfModel, TrainedModel<Interactions, float[][]> {

  /** File name stem of the saved parameters. */
  static final String NAME = "mult-vae";

  /** The kind: trains on a {@link Data} set, loads a saved model. */
  public static final ModelKind<Data, MultVaeParams, MultVae> KIND =
      ModelKind.of(NAME, MultVae::train, MultVae::load);

  /**
   * What a Mult-VAE trains on.
   *
   * @param train the users' feedback rows
   * @param objective naive, ips or snips: each consumed item's
   *     log-softmax term is weighted by {@code inverse}; ips keeps those weights as they are,
   *     divided by one global constant (their mean over every training pair, fixed for the whole
   *     training) so the loss keeps the naive loss's scale; snips divides by the mean weight over
   *     each batch; dr is defined for pointwise losses only and is refused
   * @param inverse the clipped inverse exposure propensity of each pair (rows' and columns'
   *     indexes), null for naive
   * @param validate scores the model after each epoch (higher is better; the best epoch is kept), or null
   */
  public record Data(Interactions train, Objective objective, PairWeights inverse, ToDoubleFunction<CfModel> validate) {
    public Data {
      if (objective.doublyRobust()) {
        throw new IllegalArgumentException("objective " + objective.wireName() + " is defined for pointwise losses (the click model);"
            + " the Mult-VAE takes naive, ips or snips");
      }
      if (objective.debiased() && inverse == null) {
        throw new IllegalArgumentException("objective " + objective.wireName() + " needs exposure propensities");
      }
    }

    /** The rows as logged, without validation. */
    public static Data naive(Interactions train) {
      return new Data(train, Objective.NAIVE, null, null);
    }
  }

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

  private static MultVae train(Data data, MultVaeParams p, Device device, Consumer<TrainingLoop.Epoch> progress) {
    Engine.getInstance().setRandomSeed(p.seed());
    Interactions train = data.train();
    int items = train.items();
    MultVaeBlock block = new MultVaeBlock(items, p.hidden(), p.latent());
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    MultVae vae = new MultVae(model, block, p, items);
    MultVaeLoss loss = new MultVaeLoss();
    TrainingConfig config = TrainingLoop.adam(loss, p.learningRate(), 0f, device);
    int[] users = java.util.stream.IntStream.range(0, train.users()).filter(u -> train.rowLength(u) > 0).toArray();
    double ipsScale = data.objective() == Objective.IPS ? meanWeight(train, users, data.inverse()) : 1;
    // split(): a stream of its own, not the loop's shuffling stream of the same seed
    java.util.SplittableRandom dropout = new java.util.SplittableRandom(p.seed()).split();
    TrainingLoop.Batches batches = new TrainingLoop.Batches() {
      @Override
      public int examples(int epoch) {
        return users.length;
      }

      @Override
      public NDList inputs(NDManager batch, int[] rows) {
        return new NDList(sparseInput(batch, train, users, rows, p.dropout(), dropout));
      }

      @Override
      public NDArray loss(NDManager batch, NDList inputs, NDList output, int[] rows, long step) {
        loss.setBeta(p.beta(step));
        return loss.evaluate(target(batch, train, users, rows, data.objective(), data.inverse(), ipsScale), output);
      }
    };
    TrainingLoop.Validation validation = data.validate() == null ? null
        : new TrainingLoop.Validation(() -> data.validate().applyAsDouble(vae), true);
    TrainingLoop.fit(model, config, new Shape[] {new Shape(p.batchSize(), items)},
        new TrainingLoop.Settings(p.epochs(), p.batchSize(), p.seed()), batches, validation, progress);
    return vae;
  }

  @Override
  public String kind() {
    return NAME;
  }

  /** The hyperparameters it was trained with. */
  public MultVaeParams params() {
    return params;
  }

  /** Fold-in scores (decoder logits) of every row of {@code history}. */
  @Override
  public float[][] score(Interactions history) {
    return score(history, 0, history.users());
  }

  /** Fold-in scores (decoder logits) of rows [from, to) of {@code history}. */
  @Override
  public float[][] score(Interactions history, int from, int to) {
    return score(history, from, to, SPARSE_FROM_ITEMS);
  }

  /** As {@link #score(Interactions, int, int)}, the sparse first layer from {@code sparseFromItems} items on. */
  synchronized float[][] score(Interactions history, int from, int to, int sparseFromItems) {
    float[][] out = new float[to - from][];
    int chunk = 1_000;
    for (int a = from; a < to; a += chunk) {
      int b = Math.min(to, a + chunk);
      int[] rows = java.util.stream.IntStream.range(a, b).toArray();
      try (NDManager m = model.getNDManager().newSubManager()) {
        float[] logits = logits(m, history, rows, sparseFromItems);
        for (int r = a; r < b; r++) {
          float[] row = new float[items];
          System.arraycopy(logits, (r - a) * items, row, 0, items);
          out[r - from] = row;
        }
      }
    }
    return out;
  }

  /**
   * The logits of {@code rows} of {@code history}: through the sparse first layer when the items
   * are many and the rows take less than half of them between them (a fold-in of a few histories
   * over a large catalogue), else through the dense network, which is as fast for small ones.
   */
  private float[] logits(NDManager m, Interactions history, int[] rows, int sparseFromItems) {
    int[] cols = items < sparseFromItems ? new int[0] : java.util.Arrays.stream(rows)
        .flatMap(r -> java.util.Arrays.stream(history.row(r))).distinct().sorted().toArray();
    if (cols.length * 2L >= items || cols.length == 0) {
      NDArray x = m.create(dense(history, rows), new Shape(rows.length, items));
      return block.forward(new ParameterStore(m, false), new NDList(x), false).get(0).toFloatArray();
    }
    float[] x = new float[rows.length * cols.length];
    for (int k = 0; k < rows.length; k++) {
      int[] row = history.row(rows[k]);
      float v = (float) (1 / Math.sqrt(Math.max(1, row.length)));
      for (int i : row) {
        x[k * cols.length + java.util.Arrays.binarySearch(cols, i)] = v;
      }
    }
    long[] c = java.util.Arrays.stream(cols).asLongStream().toArray();
    return block.logitsSparse(new ParameterStore(m, false), m.create(c),
        m.create(x, new Shape(rows.length, cols.length))).toFloatArray();
  }

  /** From this many items on, a few histories fold in through the sparse first layer (at 1,000 it was slower). */
  static final int SPARSE_FROM_ITEMS = 4_096;

  /** Saves the parameters and hyperparameters into {@code dir}. */
  @Override
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    JsonObject meta = new JsonObject().put("items", items).put("hidden", params.hidden())
        .put("latent", params.latent()).put("dropout", params.dropout()).put("beta_cap", params.betaCap())
        .put("anneal_steps", params.annealSteps()).put("learning_rate", params.learningRate())
        .put("batch_size", params.batchSize()).put("epochs", params.epochs()).put("seed", params.seed());
    Files.writeString(dir.resolve(NAME + ".json"), meta.encodePrettily());
    model.save(dir, NAME);
  }

  private static MultVae load(Path dir, Device device) throws IOException {
    JsonObject meta = Artifacts.readMeta(dir, NAME);
    MultVaeParams p = new MultVaeParams(meta.getInteger("hidden"), meta.getInteger("latent"),
        meta.getFloat("dropout"), meta.getFloat("beta_cap"), meta.getInteger("anneal_steps"),
        meta.getFloat("learning_rate"), meta.getInteger("batch_size"), meta.getInteger("epochs"),
        meta.getInteger("seed"));
    int items = meta.getInteger("items");
    MultVaeBlock block = new MultVaeBlock(items, p.hidden(), p.latent());
    Model model = Model.newInstance(NAME, device);
    model.setBlock(block);
    Artifacts.loadParameters(model, dir, NAME);
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

  /** Binary multi-hot rows of {@code x} for {@code rows}, row-major. */
  private static float[] dense(Interactions x, int[] rows) {
    int n = x.items();
    float[] buf = new float[rows.length * n];
    for (int k = 0; k < rows.length; k++) {
      x.fillBinaryRow(rows[k], buf, k * n);
    }
    return buf;
  }

  /** The mean of {@code inverse} over every consumed pair of {@code users} (1 when there is none). */
  static double meanWeight(Interactions x, int[] users, PairWeights inverse) {
    double sum = 0;
    long count = 0;
    for (int u : users) {
      for (int c : x.row(u)) {
        sum += inverse.weight(u, c);
        count++;
      }
    }
    return count == 0 || sum <= 0 ? 1 : sum / count;
  }

  /**
   * The batch's L2-normalised binary rows with input dropout applied, as a sparse COO array
   * [rows, items]: each consumed item is kept with probability 1 - {@code rate} and then scaled by
   * 1 / (1 - rate), the dense network's normalise-then-drop-out without materialising the zeros.
   */
  static NDArray sparseInput(NDManager batch, Interactions x, int[] users, int[] rows, float rate,
      java.util.SplittableRandom rng) {
    int nnz = 0;
    for (int r : rows) {
      nnz += x.rowLength(users[r]);
    }
    long[][] index = new long[2][nnz];
    float[] values = new float[nnz];
    int n = 0;
    for (int k = 0; k < rows.length; k++) {
      int[] row = x.row(users[rows[k]]);
      float v = (float) (1 / Math.sqrt(Math.max(1, row.length)) / (1 - rate));
      for (int c : row) {
        if (rate > 0 && rng.nextFloat() < rate) {
          continue;
        }
        index[0][n] = k;
        index[1][n] = c;
        values[n++] = v;
      }
    }
    return SparseArrays.coo(batch, index, values, n, new Shape(rows.length, x.items()));
  }

  /**
   * The loss's target for the batch: the flat positions (row × items + item) of its consumed items
   * (int64) and their weights. Naive weighs each 1; ips weighs each by {@code inverse} divided by
   * {@code ipsScale} (one constant for the whole training: the weights stay proportional to 1/p
   * across users and batches); snips by {@code inverse} divided by the batch's mean weight.
   */
  static NDList target(NDManager batch, Interactions x, int[] users, int[] rows, Objective objective,
      PairWeights inverse, double ipsScale) {
    int nnz = 0;
    for (int r : rows) {
      nnz += x.rowLength(users[r]);
    }
    long[] index = new long[nnz];
    float[] weight = new float[nnz];
    double batchWeight = 0;
    int n = 0;
    for (int k = 0; k < rows.length; k++) {
      int u = users[rows[k]];
      for (int c : x.row(u)) {
        float w = objective.debiased() ? inverse.weight(u, c) : 1f;
        index[n] = (long) k * x.items() + c;
        weight[n++] = objective == Objective.IPS ? (float) (w / ipsScale) : w;
        batchWeight += w;
      }
    }
    if (objective == Objective.SNIPS && batchWeight > 0) {
      float scale = (float) (nnz / batchWeight);
      for (int k = 0; k < n; k++) {
        weight[k] *= scale;
      }
    }
    return new NDList(batch.create(index), batch.create(weight));
  }
}
