package org.causalrec.model;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * P(label | user, item) learned from the observed pairs of a log of explicit feedback (ratings, or
 * impressions with clicks), the way the debiasing papers train: binary cross-entropy on the observed (user, item, label) pairs, weighted by the
 * objective: {@code naive} (the mean over observed pairs), {@code ips} (each pair by 1/p, scaled
 * once by the mean of 1/p over the log so the step size matches naive's), {@code snips} (by 1/p
 * over the batch's sum of 1/p), {@code dr} (DR-JL, Wang et al. 2019: a second network imputes a
 * pseudo-label g for every pair; the predictor minimises the mean over all pairs of
 * bce(f, g) + O (bce(f, y) − bce(f, g)) / p, the all-pairs term from a uniform sample of pairs;
 * the imputation network fits bce(f, g) to bce(f, y) on observed pairs with weights 1/p) or
 * {@code mrdr} (the same with imputation weights (1 − p)/p², Guo et al. 2021). The network is
 * matrix factorisation or an MLP ({@link PairNet}). Plain Java on the CPU: these logs are small
 * (Coat has 6,960 observed pairs, Yahoo!R3 311,704) and the result is reproducible from the seed.
 */
public final class ExplicitModel {

  /** The network: matrix factorisation or an MLP tower over the two embeddings. */
  public enum Arch {
    MF, MLP;

    /** The name in results: mf or mlp. */
    public String wireName() {
      return this == MF ? "mf" : "mlp";
    }
  }

  /**
   * The observed pairs.
   *
   * @param users users (indexes 0..users-1)
   * @param items items (indexes 0..items-1)
   * @param user each observed pair's user
   * @param item each observed pair's item
   * @param label each observed pair's label (rating at least 4, or clicked)
   * @param propensity each observed pair's probability of being observed (null for naive)
   * @param minPropensity propensities are raised to at least this
   * @param objective how the pairs are weighed
   */
  public record Data(int users, int items, int[] user, int[] item, boolean[] label, float[] propensity,
      float minPropensity, Objective objective) {
    public Data {
      if (item.length != user.length || label.length != user.length || user.length == 0) {
        throw new IllegalArgumentException("observed pairs need one user, item and label each, and at least one");
      }
      if (objective.debiased() && (propensity == null || propensity.length != user.length)) {
        throw new IllegalArgumentException(objective.wireName() + " needs one propensity per observed pair");
      }
      if (objective.debiased() && !(minPropensity > 0 && minPropensity <= 1)) {
        throw new IllegalArgumentException("minPropensity must be in (0, 1]");
      }
    }
  }

  /**
   * Settings.
   *
   * @param arch the network
   * @param dim embedding size
   * @param hidden MLP hidden width (unused by MF)
   * @param learningRate Adam learning rate
   * @param l2 L2 penalty on embeddings and weights (not biases)
   * @param batchSize observed pairs per step
   * @param epochs most passes over the observed pairs
   * @param patience with a validation score, stop after this many epochs without a better one
   * @param allPairsPerObserved dr and mrdr: uniformly sampled pairs per observed pair in each step
   * @param seed initialisation, shuffling and sampling seed
   * @param cdrEta dr and mrdr: the conservative filter's threshold η (CDR, Song et al. 2023): a
   *     pair's imputation is used only where the spread of its imputed error over Monte Carlo
   *     dropout samples of the imputation network is small against its mean, σ/μ &lt; η; elsewhere
   *     the pair falls back to its IPS term. Infinity uses every imputation (plain DR-JL / MRDR).
   */
  public record Params(Arch arch, int dim, int hidden, float learningRate, float l2, int batchSize, int epochs,
      int patience, int allPairsPerObserved, long seed, double cdrEta) {
    public Params {
      if (dim < 1 || hidden < 1 || batchSize < 1 || epochs < 1 || patience < 1 || allPairsPerObserved < 1
          || !(learningRate > 0) || l2 < 0 || !(cdrEta >= 0)) {
        throw new IllegalArgumentException("invalid explicit model settings");
      }
    }

    /** Defaults for {@code arch}: 16-d embeddings, 32 hidden units, Adam 1e-2, L2 1e-3, batches of 256, no filter. */
    public static Params defaults(Arch arch, int epochs, long seed) {
      return new Params(arch, 16, 32, 1e-2f, 1e-3f, 256, epochs, 5, 4, seed, Double.POSITIVE_INFINITY);
    }

    /** These settings with L2 {@code l2}. */
    public Params withL2(float l2) {
      return new Params(arch, dim, hidden, learningRate, l2, batchSize, epochs, patience, allPairsPerObserved, seed,
          cdrEta);
    }

    /** These settings with the conservative filter at {@code eta}. */
    public Params withCdr(double eta) {
      return new Params(arch, dim, hidden, learningRate, l2, batchSize, epochs, patience, allPairsPerObserved, seed,
          eta);
    }

    /** Whether the conservative filter is on. */
    public boolean conservative() {
      return cdrEta != Double.POSITIVE_INFINITY;
    }
  }

  /** Monte Carlo dropout samples of the imputation network per pair (CDR's 10). */
  static final int CDR_SAMPLES = 10;
  /** The share of embedding dimensions each sample drops (CDR's 0.5 on Coat). */
  static final double CDR_DROPOUT = 0.5;

  private final PairNet net;
  private final int bestEpoch;
  private final int epochsRun;
  private final double bestScore;
  private final double keptShare;

  private ExplicitModel(PairNet net, int bestEpoch, int epochsRun, double bestScore, double keptShare) {
    this.net = net;
    this.bestEpoch = bestEpoch;
    this.epochsRun = epochsRun;
    this.bestScore = bestScore;
    this.keptShare = keptShare;
  }

  /**
   * Trains on {@code data}. With {@code validate} (higher is better, computed after each epoch),
   * the best epoch's parameters are kept and training stops after {@code patience} epochs without
   * improvement; without it, all epochs run.
   */
  public static ExplicitModel train(Data data, Params params, ToDoubleFunction<ExplicitModel> validate) {
    PairNet f = new PairNet(params.arch(), data.users(), data.items(), params.dim(), params.hidden(), params.seed());
    Objective o = data.objective();
    PairNet g = o.doublyRobust()
        ? new PairNet(params.arch(), data.users(), data.items(), params.dim(), params.hidden(), params.seed() + 1)
        : null;
    int n = data.user().length;
    float[] inverse = new float[n];
    double meanInverse = 0;
    for (int k = 0; k < n; k++) {
      inverse[k] = o.debiased() ? 1f / clip(data.propensity()[k], data.minPropensity()) : 1f;
      meanInverse += inverse[k] / n;
    }
    ExplicitModel model = new ExplicitModel(f, 0, 0, Double.NaN, Double.NaN);
    Trainer t = new Trainer(data, params, f, g, inverse, (float) meanInverse);
    double best = Double.NEGATIVE_INFINITY;
    float[][] bestParams = null;
    int bestEpoch = 0;
    int epoch = 0;
    while (epoch < params.epochs()) {
      epoch++;
      t.epoch();
      if (validate != null) {
        double score = validate.applyAsDouble(model);
        if (score > best) {
          best = score;
          bestParams = f.snapshot();
          bestEpoch = epoch;
        } else if (epoch - bestEpoch >= params.patience()) {
          break;
        }
      }
    }
    if (bestParams != null) {
      f.restore(bestParams);
    } else {
      bestEpoch = epoch;
    }
    return new ExplicitModel(f, bestEpoch, epoch, bestParams != null ? best : Double.NaN, t.keptShare());
  }

  /** A propensity clipped to [min, 1]; a missing one (NaN) counts as 1. */
  static float clip(float p, float min) {
    return Float.isNaN(p) ? 1f : Math.max(min, Math.min(1f, p));
  }

  /** P(label | u, i); an index of -1 stands for a user or item unseen in training. */
  public float probability(int u, int i) {
    return sigmoid(net.logit(u, i, net.scratch()));
  }

  /** P(label) of each pair (u[k], i[k]). */
  public float[] probabilities(int[] u, int[] i) {
    float[] h = net.scratch();
    float[] out = new float[u.length];
    for (int k = 0; k < u.length; k++) {
      out[k] = sigmoid(net.logit(u[k], i[k], h));
    }
    return out;
  }

  /** The epoch whose parameters were kept. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** The validation score of the kept epoch; NaN when trained without validation. */
  public double bestScore() {
    return bestScore;
  }

  /**
   * The share of imputations the conservative filter kept over the whole training (1 for plain
   * dr and mrdr, NaN for the objectives without imputation).
   */
  public double keptShare() {
    return keptShare;
  }

  /** Epochs trained before stopping. */
  public int epochsRun() {
    return epochsRun;
  }

  static float sigmoid(float z) {
    return (float) (1 / (1 + Math.exp(-z)));
  }

  /** Binary cross-entropy of a logit against a (soft) label. */
  static float bce(float z, float t) {
    return (float) (Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))));
  }

  /** One objective's steps over the observed pairs. */
  private static final class Trainer {
    private final Data data;
    private final Params params;
    private final PairNet f;
    private final PairNet g;
    private final float[] inverse;
    private final float meanInverse;
    private final int[] order;
    private final SplittableRandom random;
    private final float[] hf;
    private final float[] hg;
    /** The observed pairs' share of all pairs: the DR correction's scale (1/|U·I| per observed pair, per batch). */
    private final float observedShare;
    /** The conservative filter's own draws, apart from training's, so η = ∞ trains exactly as DR-JL. */
    private final SplittableRandom dropout;
    private final boolean[] keepUser;
    private final boolean[] keepItem;
    private long imputations;
    private long kept;

    Trainer(Data data, Params params, PairNet f, PairNet g, float[] inverse, float meanInverse) {
      this.data = data;
      this.params = params;
      this.f = f;
      this.g = g;
      this.inverse = inverse;
      this.meanInverse = meanInverse;
      this.order = new int[inverse.length];
      for (int k = 0; k < order.length; k++) {
        order[k] = k;
      }
      this.random = new SplittableRandom(params.seed() ^ 0x5DEECE66DL);
      this.hf = f.scratch();
      this.hg = f.scratch();
      this.observedShare = (float) (inverse.length / ((double) data.users() * data.items()));
      this.dropout = new SplittableRandom(params.seed() ^ 0xC0D5L);
      this.keepUser = new boolean[params.dim()];
      this.keepItem = new boolean[params.dim()];
    }

    double keptShare() {
      return g == null ? Double.NaN : imputations == 0 ? 1 : kept / (double) imputations;
    }

    /**
     * Whether the imputed error of (u, i) is trusted: its Monte Carlo dropout samples bce(f, g_s)
     * have σ/μ below η. Always with η = ∞.
     */
    private boolean trusted(int u, int i, float zf) {
      imputations++;
      if (!params.conservative()) {
        kept++;
        return true;
      }
      double sum = 0;
      double squares = 0;
      for (int s = 0; s < CDR_SAMPLES; s++) {
        for (int k = 0; k < keepUser.length; k++) {
          keepUser[k] = dropout.nextDouble() >= CDR_DROPOUT;
          keepItem[k] = dropout.nextDouble() >= CDR_DROPOUT;
        }
        double e = bce(zf, sigmoid(g.logit(u, i, hg, keepUser, keepItem)));
        sum += e;
        squares += e * e;
      }
      double mean = sum / CDR_SAMPLES;
      double sd = Math.sqrt(Math.max(0, squares / CDR_SAMPLES - mean * mean));
      boolean ok = sd < params.cdrEta() * mean;
      kept += ok ? 1 : 0;
      return ok;
    }

    void epoch() {
      for (int k = order.length - 1; k > 0; k--) {
        int j = random.nextInt(k + 1);
        int tmp = order[k];
        order[k] = order[j];
        order[j] = tmp;
      }
      for (int from = 0; from < order.length; from += params.batchSize()) {
        int to = Math.min(order.length, from + params.batchSize());
        if (g != null) {
          imputationStep(from, to);
          doublyRobustStep(from, to);
        } else {
          weightedStep(from, to);
        }
      }
    }

    private void weightedStep(int from, int to) {
      int size = to - from;
      double batchInverse = 0;
      for (int k = from; k < to; k++) {
        batchInverse += inverse[order[k]];
      }
      for (int k = from; k < to; k++) {
        int e = order[k];
        float w = switch (data.objective()) {
          case IPS -> inverse[e] / meanInverse / size;
          case SNIPS -> (float) (inverse[e] / batchInverse);
          default -> 1f / size;
        };
        int u = data.user()[e];
        int i = data.item()[e];
        float z = f.logit(u, i, hf);
        f.backward(u, i, hf, w * (sigmoid(z) - (data.label()[e] ? 1f : 0f)));
      }
      f.step(params.learningRate(), params.l2());
    }

    /** With the predictor fixed, fit the pseudo-label so the imputed error matches the observed one. */
    private void imputationStep(int from, int to) {
      double total = 0;
      for (int k = from; k < to; k++) {
        total += imputationWeight(order[k]);
      }
      for (int k = from; k < to; k++) {
        int e = order[k];
        int u = data.user()[e];
        int i = data.item()[e];
        float zf = f.logit(u, i, hf);
        float zg = g.logit(u, i, hg);
        float pseudo = sigmoid(zg);
        float y = data.label()[e] ? 1f : 0f;
        float gap = bce(zf, pseudo) - bce(zf, y);
        // d bce(zf, pseudo) / d pseudo = -zf; d pseudo / d zg = pseudo (1 - pseudo)
        float dz = (float) (2 * imputationWeight(e) / total) * gap * -zf * pseudo * (1 - pseudo);
        g.backward(u, i, hg, dz);
      }
      g.step(params.learningRate(), params.l2());
    }

    private double imputationWeight(int e) {
      double inv = inverse[e];
      return data.objective() == Objective.MRDR ? inv * inv - inv : inv;
    }

    /** The predictor's step on the DR loss: the all-pairs imputed term from a uniform sample, the observed correction. */
    private void doublyRobustStep(int from, int to) {
      int size = to - from;
      int sampled = size * params.allPairsPerObserved();
      for (int s = 0; s < sampled; s++) {
        int u = random.nextInt(data.users());
        int i = random.nextInt(data.items());
        float z = f.logit(u, i, hf);
        if (!trusted(u, i, z)) {
          continue; // an untrusted imputation adds nothing over all pairs
        }
        float pseudo = sigmoid(g.logit(u, i, hg));
        f.backward(u, i, hf, (sigmoid(z) - pseudo) / sampled);
      }
      // d/dz [bce(z, y) - bce(z, g)] / p = (g - y) / p, scaled as one observed pair among all pairs
      for (int k = from; k < to; k++) {
        int e = order[k];
        int u = data.user()[e];
        int i = data.item()[e];
        float z = f.logit(u, i, hf);
        float y = data.label()[e] ? 1f : 0f;
        // untrusted: the IPS term alone, d/dz bce(z, y) / p
        float pseudo = trusted(u, i, z) ? sigmoid(g.logit(u, i, hg)) : sigmoid(z);
        f.backward(u, i, hf, observedShare * inverse[e] * (pseudo - y) / size);
      }
      f.step(params.learningRate(), params.l2());
    }
  }
}
