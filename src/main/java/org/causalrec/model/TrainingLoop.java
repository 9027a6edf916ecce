package org.causalrec.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The one DJL training loop every model kind trains with (after DJL's {@code EasyTrain}): epochs
 * over shuffled examples in batches, each batch's arrays in a scoped {@link NDManager} closed after
 * the step, a {@link GradientCollector} per step, optional early stopping on a validation score
 * (the best epoch's parameters are kept), and a progress report after every epoch.
 */
public final class TrainingLoop {

  /** What a model kind supplies: its examples, how a batch becomes inputs, and its loss. */
  public interface Batches {

    /** Called once, after the trainer initialised the parameters and before the first epoch (a warm start). */
    default void initialized() {}

    /** How many examples epoch {@code epoch} (from 1) passes over; a source may draw a fresh sample here. */
    int examples(int epoch);

    /** The network inputs of the examples {@code rows}, created in {@code batch}. */
    NDList inputs(NDManager batch, int[] rows);

    /** Work of the batch before the recorded forward pass (e.g. a second network's step); none by default. */
    default void beforeStep(NDManager batch, NDList inputs, int[] rows) {}

    /** The loss of {@code output} on the examples {@code rows}; {@code step} counts updates from 0. */
    NDArray loss(NDManager batch, NDList inputs, NDList output, int[] rows, long step);
  }

  /**
   * Early stopping: after each epoch {@code score} is computed, and the parameters of the best epoch
   * are kept.
   *
   * @param score the epoch's validation score (computed with the current parameters)
   * @param higherIsBetter whether a larger score is better (NDCG) or a smaller one (a loss)
   */
  public record Validation(DoubleSupplier score, boolean higherIsBetter) {}

  /**
   * Progress after one epoch.
   *
   * @param epoch epoch from 1
   * @param loss mean training loss of its batches
   * @param validation the validation score, NaN without validation
   * @param examplesPerSecond training throughput of the epoch
   * @param steps parameter updates so far
   */
  public record Epoch(int epoch, double loss, double validation, double examplesPerSecond, long steps) {}

  /**
   * Settings of a run.
   *
   * @param epochs passes over the examples
   * @param batchSize examples per step
   * @param seed shuffling seed
   */
  public record Settings(int epochs, int batchSize, long seed) {
    public Settings {
      if (epochs < 1 || batchSize < 1) {
        throw new IllegalArgumentException("epochs and batch size must be >= 1");
      }
    }
  }

  private TrainingLoop() {}

  /**
   * Adam at a fixed {@code learningRate} with {@code weightDecay} (0 for none) on {@code device}. The
   * kinds compute their losses in their {@link Batches}; {@code loss} only names one for DJL. On the
   * CPU the loop updates the parameters with {@link FusedAdam}, elsewhere with DJL's Adam.
   */
  public static TrainingConfig adam(Loss loss, float learningRate, float weightDecay, Device device) {
    return new AdamConfig(loss, learningRate, weightDecay).optOptimizer(Optimizer.adam()
            .optLearningRateTracker(Tracker.fixed(learningRate)).optWeightDecays(weightDecay).build())
        .optDevices(new Device[] {device});
  }

  /** A training configuration of {@link #adam}, which keeps its settings for {@link FusedAdam}. */
  static final class AdamConfig extends DefaultTrainingConfig {
    private final float learningRate;
    private final float weightDecay;

    AdamConfig(Loss loss, float learningRate, float weightDecay) {
      super(loss);
      this.learningRate = learningRate;
      this.weightDecay = weightDecay;
    }

    float learningRate() {
      return learningRate;
    }

    float weightDecay() {
      return weightDecay;
    }
  }

  /**
   * Trains {@code model} with a trainer of {@code config} whose parameters are initialised for
   * inputs of {@code inputShapes}; the model is closed when training fails.
   */
  public static void fit(Model model, TrainingConfig config, Shape[] inputShapes, Settings s, Batches batches,
      Validation validation, Consumer<Epoch> progress) {
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(inputShapes);
      batches.initialized();
      run(trainer, config, model.getBlock(), model.getNDManager(), s, batches, validation, progress);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Trains {@code block} through {@code trainer} (initialized, made with {@code config}); with
   * {@code validation}, the best epoch's parameters are put back into arrays of {@code parameters}
   * at the end.
   */
  public static void run(Trainer trainer, TrainingConfig config, Block block, NDManager parameters, Settings s,
      Batches batches, Validation validation, Consumer<Epoch> progress) {
    try (FusedAdam fused = FusedAdam.of(config, trainer, block)) {
      epochs(trainer, fused, block, parameters, s, batches, validation, progress);
    }
  }

  private static void epochs(Trainer trainer, FusedAdam fused, Block block, NDManager parameters, Settings s,
      Batches batches, Validation validation, Consumer<Epoch> progress) {
    SplittableRandom rng = new SplittableRandom(s.seed());
    int[] order = new int[0];
    long step = 0;
    double best = Double.NaN;
    byte[] bestParameters = null;
    for (int epoch = 1; epoch <= s.epochs(); epoch++) {
      int n = batches.examples(epoch);
      if (order.length != n) {
        order = identity(n);
      }
      shuffle(order, rng);
      long t0 = System.nanoTime();
      double lossSum = 0;
      int count = 0;
      for (int from = 0; from < n; from += s.batchSize()) {
        int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + s.batchSize()));
        try (NDManager batch = trainer.getManager().newSubManager()) {
          NDList x = batches.inputs(batch, rows);
          batches.beforeStep(batch, x, rows);
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray l = batches.loss(batch, x, trainer.forward(x), rows, step);
            lossSum += l.getFloat();
            gc.backward(l);
          }
          if (fused != null) {
            fused.step();
          } else {
            trainer.step();
          }
        }
        step++;
        count++;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double score = validation == null ? Double.NaN : validation.score().getAsDouble();
      if (validation != null && (bestParameters == null || improves(score, best, validation.higherIsBetter()))) {
        best = score;
        bestParameters = ParameterBytes.save(block);
      }
      progress.accept(new Epoch(epoch, lossSum / Math.max(1, count), score, n / seconds, step));
    }
    if (bestParameters != null) {
      ParameterBytes.load(block, parameters, bestParameters);
    }
  }

  private static boolean improves(double score, double best, boolean higherIsBetter) {
    return higherIsBetter ? score > best : score < best;
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int k = 0; k < n; k++) {
      a[k] = k;
    }
    return a;
  }

  /** Fisher-Yates, in place. */
  static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
