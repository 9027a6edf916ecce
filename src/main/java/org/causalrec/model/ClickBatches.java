package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import org.causalrec.data.Impressions;

/**
 * The click model's examples and its objective for the training
 * loop: the impressions and, for dr and mrdr, the unshown sample after them; the loss of naive, ips,
 * snips, dr (DR-JL, with its imputation network's step before each batch's) or mrdr (the same, its
 * imputation fitted with weights (1 - p)/p^2).
 */
final class ClickBatches implements TrainingLoop.Batches {

  private final ClickMlp mlp;
  private final Trainer trainer;
  private final Trainer imputer;
  private final Impressions rows;
  /** The pair features of {@code rows}, computed once; null when the network takes none. */
  private final float[] pair;
  private final boolean[] observed;
  /** 1 / clipped propensity for impressions (1 for naive), 0 for unshown pairs. */
  private final float[] inverse;
  /** 1 for impressions, the pairs it stands for when unshown. */
  private final float[] weight;
  private final Objective objective;
  /** The mean of {@code inverse} over impressions: ips's normaliser. */
  private final double meanInverse;
  /** The batch's labels, inverse propensities, shown flags and imputed labels, made once per batch. */
  private NDArray labels;
  private NDArray inv;
  private NDArray obs;
  private NDArray imputed;

  ClickBatches(ClickMlp mlp, Trainer trainer, Trainer imputer, Impressions train, ClickMlp.Debiasing d) {
    this.mlp = mlp;
    this.trainer = trainer;
    this.imputer = imputer;
    this.objective = d.objective();
    int n = train.size();
    this.rows = d.objective().doublyRobust() ? train.concat(d.unshown()) : train;
    int m = rows.size();
    this.pair = mlp.pairFeaturesOf(rows);
    observed = new boolean[m];
    inverse = new float[m];
    weight = new float[m];
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
    meanInverse = sum / Math.max(1, n);
  }

  @Override
  public int examples(int epoch) {
    return rows.size();
  }

  @Override
  public NDList inputs(NDManager batch, int[] r) {
    return mlp.inputs(batch, rows, r, pair);
  }

  @Override
  public void beforeStep(NDManager batch, NDList x, int[] r) {
    labels = column(batch, r, k -> rows.clicked()[k] ? 1f : 0f);
    inv = column(batch, r, k -> inverse[k]);
    obs = column(batch, r, k -> observed[k] ? 1f : 0f);
    imputed = imputer == null ? null : imputationStep(x, labels, obs, inv);
  }

  @Override
  public NDArray loss(NDManager batch, NDList x, NDList output, int[] r, long step) {
    NDArray logits = output.singletonOrThrow();
    NDArray e = bce(logits, labels);
    return switch (objective) {
      case NAIVE -> e.mean();
      case IPS -> e.mul(inv).sum().div((float) (e.getShape().get(0) * meanInverse));
      case SNIPS -> e.mul(inv).sum().div(inv.sum());
      case DR, MRDR -> doublyRobust(e, bce(logits, imputed), obs, inv, column(batch, r, k -> weight[k]));
    };
  }

  /**
   * DR-JL's loss over a batch of pairs: (sum_k w_k eHat_k + O_k (e_k - eHat_k) / p_k) / sum_k w_k,
   * where an unshown pair (O = 0) stands for w_k pairs and a shown one for 1; {@code inv} is 1/p.
   */
  static NDArray doublyRobust(NDArray e, NDArray eHat, NDArray obs, NDArray inv, NDArray w) {
    return eHat.mul(w).add(obs.mul(e.sub(eHat)).mul(inv)).sum().div(w.sum());
  }

  private interface RowValue {
    float of(int row);
  }

  private static NDArray column(NDManager m, int[] r, RowValue v) {
    float[] out = new float[r.length];
    for (int k = 0; k < r.length; k++) {
      out[k] = v.of(r[k]);
    }
    return m.create(out, new Shape(r.length, 1));
  }

  /** Binary cross-entropy of logits against (soft) labels, element-wise. */
  static NDArray bce(NDArray logits, NDArray labels) {
    return logits.maximum(0f).sub(logits.mul(labels)).add(logits.abs().neg().exp().add(1f).log());
  }

  /**
   * DR-JL's imputation step on the batch's impressions: with the predictor fixed, fit the imputed
   * label g so that the imputed error bce(prediction, g) matches the observed bce(prediction, y),
   * weighted by 1/p (dr) or (1 - p)/p^2 (mrdr). Returns g for the predictor's step, detached.
   */
  private NDArray imputationStep(NDList x, NDArray labels, NDArray obs, NDArray inv) {
    NDArray prediction = trainer.forward(x).singletonOrThrow().stopGradient();
    NDArray error = bce(prediction, labels);
    // dr weighs the imputation error by 1/p; mrdr by (1 - p)/p^2, the estimator's variance term
    NDArray weights = objective == Objective.MRDR ? obs.mul(inv.square().sub(inv)) : obs.mul(inv);
    try (GradientCollector gc = imputer.newGradientCollector()) {
      NDArray g = Activation.sigmoid(imputer.forward(x).singletonOrThrow());
      NDArray gap = error.sub(bce(prediction, g));
      NDArray l = gap.square().mul(weights).sum().div(weights.sum().maximum(1e-6f));
      gc.backward(l);
    }
    imputer.step();
    return Activation.sigmoid(imputer.forward(x).singletonOrThrow()).stopGradient();
  }
}
