package org.causalrec.train;

/**
 * What a training request asks for; null fields take the kind's defaults.
 *
 * @param epochs epochs (1..10000)
 * @param objective the debiasing objective (mult-vae: naive, ips, snips; click-mlp: also dr)
 * @param propensity mult-vae with ips/snips: where propensities come from (popularity or learned)
 */
public record TrainingRequest(Integer epochs, String objective, String propensity) {

  /** The kind's defaults, with {@code epochs} (null for the default too). */
  public static TrainingRequest epochs(Integer epochs) {
    return new TrainingRequest(epochs, null, null);
  }
}
