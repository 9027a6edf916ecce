package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The Mult-VAE objective: multinomial negative log-likelihood of the user's items under
 * log-softmax(logits) plus beta times the KL divergence of N(mu, sigma^2) from N(0, I), both
 * averaged over the batch. Beta is set by the trainer as it anneals.
 */
final class MultVaeLoss extends Loss {

  private float beta;

  MultVaeLoss() {
    super("mult_vae_loss");
  }

  void setBeta(float beta) {
    this.beta = beta;
  }

  /**
   * @param labels the consumed items as (flat positions row × items + item, int64; their weights):
   *     the multi-hot target without its zeros, whose terms of the likelihood vanish
   * @param predictions (logits, mu, logvar)
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.get(0);
    NDArray mu = predictions.get(1);
    NDArray logvar = predictions.get(2);
    long rows = logits.getShape().get(0);
    NDArray nll = logits.logSoftmax(1).take(labels.get(0)).mul(labels.get(1)).sum().div(rows).neg();
    NDArray kl = logvar.add(1f).sub(mu.square()).sub(logvar.exp()).sum(new int[] {1}).mean().mul(-0.5f);
    return nll.add(kl.mul(beta));
  }
}
