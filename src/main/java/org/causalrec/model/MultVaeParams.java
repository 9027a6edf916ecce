package org.causalrec.model;

/**
 * Mult-VAE hyperparameters with the published defaults (Liang et al., "Variational Autoencoders
 * for Collaborative Filtering", WWW 2018): I-600-200-600-I, tanh, input dropout 0.5, beta annealed
 * linearly to 0.2, Adam with learning rate 1e-3, batches of 500 users.
 *
 * @param hidden hidden layer width (600)
 * @param latent latent dimension (200)
 * @param dropout input dropout rate (0.5)
 * @param betaCap cap of the annealed KL weight (0.2)
 * @param annealSteps updates over which beta rises from 0 to its cap (the paper reaches 0.2 after
 *     40,000 updates: 0.2 x its total_anneal_steps of 200,000)
 * @param learningRate Adam learning rate (1e-3)
 * @param batchSize users per batch (500)
 * @param epochs passes over the training users
 * @param seed random seed of initialisation, dropout, sampling and shuffling
 */
public record MultVaeParams(int hidden, int latent, float dropout, float betaCap, int annealSteps,
    float learningRate, int batchSize, int epochs, int seed) {

  /** The seed of {@link #paper}. */
  public static final int DEFAULT_SEED = 98765;

  public MultVaeParams {
    if (hidden < 1 || latent < 1 || batchSize < 1 || epochs < 1 || annealSteps < 1) {
      throw new IllegalArgumentException("Mult-VAE sizes, batch, epochs and anneal steps must be positive");
    }
    if (dropout < 0 || dropout >= 1 || betaCap < 0 || learningRate <= 0) {
      throw new IllegalArgumentException("dropout in [0,1), betaCap >= 0 and learning rate > 0 required");
    }
  }

  /** The paper's settings with {@code epochs} passes and beta reaching its cap after {@code annealSteps}. */
  public static MultVaeParams paper(int epochs, int annealSteps) {
    return new MultVaeParams(600, 200, 0.5f, 0.2f, annealSteps, 1e-3f, 500, epochs, DEFAULT_SEED);
  }

  /**
   * The paper's settings for {@code epochs} over {@code trainUsers} users with {@code seed}. The
   * paper reaches beta = 0.2 after 40,000 updates; with fewer updates in all, at 80 % of them.
   */
  public static MultVaeParams forData(int epochs, int trainUsers, int seed) {
    MultVaeParams base = paper(epochs, 1);
    int batches = (trainUsers + base.batchSize() - 1) / base.batchSize();
    int anneal = Math.min(40_000, Math.max(1, (int) (0.8 * epochs * batches)));
    return new MultVaeParams(base.hidden(), base.latent(), base.dropout(), base.betaCap(), anneal,
        base.learningRate(), base.batchSize(), epochs, seed);
  }

  /** The KL weight at update {@code step}. */
  public float beta(long step) {
    return Math.min(betaCap, betaCap * step / (float) annealSteps);
  }
}
