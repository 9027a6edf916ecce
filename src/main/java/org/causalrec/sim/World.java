package org.causalrec.sim;

import java.util.SplittableRandom;

/**
 * The latent truth of a synthetic world: preferences, item quality and popularity, the confounded
 * logging policy, and the true outcome model. Deterministic for (spec, seed).
 *
 * <p>Truth, for user u and item i (a = cosine of their latent vectors, q = item quality):
 * <ul>
 *   <li>relevance r = sigmoid(5a + 0.5q - 3): probability of liking the item once examined;
 *   <li>awareness w = popularity^0.5: how likely the user knows the item without us;
 *   <li>organic conversion per session y0 = min(0.5, c * r * w^4) (c makes the expected organic
 *       conversions per session {@link #ORGANIC_PER_SESSION}); the power concentrates organic
 *       buying on well-known items the user likes, the "sure things" that recommending gains
 *       little on (Sato et al., RecSys 2019); a session's organic conversions are
 *       Poisson(sum of y0) draws of items in proportion to y0, so for small y0 an item converts with
 *       probability about y0;
 *   <li>uplift of recommending tau = 0.15 * r * (1 - w); conversion when recommended y1 = y0 + tau;
 *   <li>logging policy: softmax over items of log(popularity) + promoted + 3(a + 0.3 noise), drawn
 *       {@code slateSize} times per session; propensity of showing i = 1 - (1 - pi_i)^slateSize.
 *       Exposure is thus confounded by popularity and by the "promoted" attribute beyond relevance;
 *   <li>on an impression at position k the user clicks with probability (1/(k+1))^0.7 * r and
 *       converts with probability y1, independently; a click is logged when either happens;
 *   <li>hidden intent ({@link WorldSpec#intentStrength} gamma, {@link WorldSpec#policyIntentStrength}
 *       gamma_pi): each session draws eps ~ N(0, 1) that no model sees; in it the relevance logit
 *       adds gamma * eps * a_i and the logging policy's score gamma_pi * eps * a_i (a_i ~ N(0, 1) an
 *       item trait), and y0, uplift and clicks follow that session's relevance. The truth a model is
 *       measured against ({@link #relevance}, {@link #propensities}) is the expectation over eps.
 *       With both at 0 the world and its log are exactly those without intent (eps and a_i come
 *       from streams of their own).
 * </ul>
 */
public final class World {

  static final double ORGANIC_PER_SESSION = 1.0;
  static final double UPLIFT_SCALE = 0.15;

  private final WorldSpec spec;
  private final long seed;
  final float[][] userVec;
  final float[][] itemVec;
  final int[] userHome;
  final int[] userSecond;
  final boolean[] userRandom;
  final double[] userActivity;
  final int[] itemCategory;
  final int[] itemSecond;
  final boolean[] promoted;
  final double[] quality;
  final double[] popularity;
  final double[] logPopularity;
  final double[] awareness;
  final int[] priceTier;
  final String[] brand;
  /** a_i: how strongly the session's hidden intent moves item i. */
  final double[] intentTrait;
  private final double organicScale;

  private World(WorldSpec spec, long seed) {
    this.spec = spec;
    this.seed = seed;
    int d = spec.dim();
    int nc = Vocabulary.CATEGORIES.size();
    SplittableRandom rng = new SplittableRandom(seed);
    float[][] centroids = new float[nc][];
    for (int k = 0; k < nc; k++) {
      centroids[k] = Vectors.normalize(Vectors.gaussian(rng, d, 1.0));
    }
    int ni = spec.items();
    itemVec = new float[ni][];
    itemCategory = new int[ni];
    itemSecond = new int[ni];
    promoted = new boolean[ni];
    quality = new double[ni];
    popularity = new double[ni];
    logPopularity = new double[ni];
    awareness = new double[ni];
    priceTier = new int[ni];
    brand = new String[ni];
    double maxLogPop = Double.NEGATIVE_INFINITY;
    double[] logPop = new double[ni];
    for (int i = 0; i < ni; i++) {
      SplittableRandom r = new SplittableRandom(mix(seed, 1, i));
      itemCategory[i] = r.nextInt(nc);
      itemSecond[i] = r.nextDouble() < 0.2 ? r.nextInt(nc) : -1;
      float[] v = Vectors.gaussian(r, d, 0.5 / Math.sqrt(d));
      Vectors.add(v, centroids[itemCategory[i]], 1.0);
      if (itemSecond[i] >= 0) {
        Vectors.add(v, centroids[itemSecond[i]], 0.4);
      }
      itemVec[i] = Vectors.normalize(v);
      promoted[i] = r.nextDouble() < 0.15;
      quality[i] = r.nextGaussian();
      priceTier[i] = 1 + r.nextInt(3);
      brand[i] = Vocabulary.brand(r);
      logPop[i] = 0.8 * quality[i] + 1.0 * r.nextGaussian() + (promoted[i] ? 0.8 : 0.0);
      maxLogPop = Math.max(maxLogPop, logPop[i]);
    }
    intentTrait = new double[ni];
    for (int i = 0; i < ni; i++) {
      intentTrait[i] = new SplittableRandom(mix(seed, 7, i)).nextGaussian();
    }
    double awareSum = 0;
    for (int i = 0; i < ni; i++) {
      logPopularity[i] = logPop[i] - maxLogPop;
      popularity[i] = Math.exp(logPopularity[i]);
      awareness[i] = Math.sqrt(popularity[i]);
      awareSum += awareness[i];
    }
    int nu = spec.users();
    userVec = new float[nu][];
    userHome = new int[nu];
    userSecond = new int[nu];
    userRandom = new boolean[nu];
    userActivity = new double[nu];
    for (int u = 0; u < nu; u++) {
      SplittableRandom r = new SplittableRandom(mix(seed, 2, u));
      userHome[u] = r.nextInt(nc);
      userSecond[u] = r.nextDouble() < 0.5 ? r.nextInt(nc) : -1;
      float[] w = Vectors.gaussian(r, d, 0.5 / Math.sqrt(d));
      Vectors.add(w, centroids[userHome[u]], 1.0);
      if (userSecond[u] >= 0) {
        Vectors.add(w, centroids[userSecond[u]], 0.5);
      }
      userVec[u] = Vectors.normalize(w);
      userRandom[u] = r.nextDouble() < spec.randomShare();
      userActivity[u] = Math.exp(0.5 * r.nextGaussian() - 0.125);
    }
    // Scale organic conversion so that, for an average user, sum_i y0 = ORGANIC_PER_SESSION.
    double meanRelAware = 0;
    SplittableRandom s = new SplittableRandom(mix(seed, 3, 0));
    int samples = 20_000;
    for (int k = 0; k < samples; k++) {
      int u = s.nextInt(nu);
      int i = s.nextInt(ni);
      meanRelAware += relevance(u, i) * popularity[i] * popularity[i];
    }
    meanRelAware /= samples;
    organicScale = ORGANIC_PER_SESSION / (meanRelAware * ni);
    if (!(awareSum > 0)) {
      throw new IllegalStateException("degenerate world");
    }
  }

  /** Builds the world of {@code spec} for {@code seed}. */
  public static World generate(WorldSpec spec, long seed) {
    return new World(spec, seed);
  }

  /** The world's shape. */
  public WorldSpec spec() {
    return spec;
  }

  /** The seed it was generated from. */
  public long seed() {
    return seed;
  }

  /** Number of users. */
  public int users() {
    return spec.users();
  }

  /** Number of items. */
  public int items() {
    return spec.items();
  }

  /** External id of user u. */
  public static String userId(int u) {
    return "u" + u;
  }

  /** External id of item i. */
  public static String itemId(int i) {
    return "i" + i;
  }

  /** Cosine affinity of user u and item i, in [-1, 1]. */
  public double affinity(int u, int i) {
    float[] a = userVec[u];
    float[] b = itemVec[i];
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }

  /** Cosine affinities of user u with every item. */
  double[] affinities(int u) {
    double[] a = new double[spec.items()];
    for (int i = 0; i < a.length; i++) {
      a[i] = affinity(u, i);
    }
    return a;
  }

  /** True relevance: probability that u likes i once examined (its mean over the hidden intent). */
  public double relevance(int u, int i) {
    double a = affinity(u, i);
    if (spec.intentStrength() == 0) {
      return relevanceAt(a, i);
    }
    double r = 0;
    for (int k = 0; k < INTENT_NODES.length; k++) {
      r += INTENT_WEIGHTS[k] * relevanceAt(a, i, INTENT_NODES[k]);
    }
    return r;
  }

  /**
   * What a click model fitted to the log alone converges to, for user u and every item: the mean
   * relevance over the sessions that showed the item, E[incl(i) * rel(i)] / E[incl(i)] over the
   * hidden intent. It equals {@link #relevance} where the logging policy ignores the intent; where
   * it does not, items are shown most in the sessions that want them, and this is the bias that
   * naive training inherits.
   */
  public double[] relevanceWhenShown(int u) {
    double[] affinity = affinities(u);
    int ni = spec.items();
    double[] out = new double[ni];
    if (spec.policyIntentStrength() == 0 || userRandom[u]) {
      for (int i = 0; i < ni; i++) {
        out[i] = relevance(u, i);
      }
      return out;
    }
    double[] shown = new double[ni];
    for (int k = 0; k < INTENT_NODES.length; k++) {
      double[] p = policy(u, affinity, INTENT_NODES[k]);
      for (int i = 0; i < ni; i++) {
        double e = INTENT_WEIGHTS[k] * inclusion(p[i]);
        shown[i] += e;
        out[i] += e * relevanceAt(affinity[i], i, INTENT_NODES[k]);
      }
    }
    for (int i = 0; i < ni; i++) {
      out[i] /= shown[i];
    }
    return out;
  }

  double relevanceAt(double affinity, int i) {
    return sigmoid(5.0 * affinity + 0.5 * quality[i] - 3.0);
  }

  /** Relevance in a session whose hidden intent is {@code eps}. */
  double relevanceAt(double affinity, int i, double eps) {
    return sigmoid(5.0 * affinity + 0.5 * quality[i] - 3.0 + spec.intentStrength() * eps * intentTrait[i]);
  }

  /** The stream of user u's sessions' hidden intents (one N(0, 1) draw per session). */
  SplittableRandom intents(int u) {
    return new SplittableRandom(mix(seed, 8, u));
  }

  /** Quadrature over eps ~ N(0, 1): trapezoid nodes on [-6, 6] and their normalised density weights. */
  private static final double[] INTENT_NODES = new double[61];
  private static final double[] INTENT_WEIGHTS = new double[61];

  static {
    double sum = 0;
    for (int k = 0; k < INTENT_NODES.length; k++) {
      INTENT_NODES[k] = -6 + 0.2 * k;
      INTENT_WEIGHTS[k] = Math.exp(-0.5 * INTENT_NODES[k] * INTENT_NODES[k]);
      sum += INTENT_WEIGHTS[k];
    }
    for (int k = 0; k < INTENT_WEIGHTS.length; k++) {
      INTENT_WEIGHTS[k] /= sum;
    }
  }

  /** Probability that u converts on i in a session when we do not recommend it. */
  public double organicConversion(int u, int i) {
    return organicAt(relevance(u, i), i);
  }

  double organicAt(double relevance, int i) {
    return Math.min(0.5, organicScale * relevance * popularity[i] * popularity[i]);
  }

  /** True causal effect on conversion of recommending i to u in a session. */
  public double uplift(int u, int i) {
    return upliftAt(relevance(u, i), i);
  }

  double upliftAt(double relevance, int i) {
    return UPLIFT_SCALE * relevance * (1.0 - awareness[i]);
  }

  /**
   * Probability that u's impression of i at {@code position} (0 = top) is logged as a click: the
   * user clicks with examination(position) · relevance, and a conversion (y0 + τ) logs a click too
   * (with hidden intent, each factor is its mean over the intent).
   */
  public double clickProbability(int u, int i, int position) {
    double clicked = Simulator.examination(position) * relevance(u, i);
    double converted = Math.min(1, organicConversion(u, i) + uplift(u, i));
    return 1 - (1 - clicked) * (1 - converted);
  }

  /** Item popularity in (0, 1] (1 for the most popular). */
  public double popularity(int i) {
    return popularity[i];
  }

  /** Whether item i carries the "promoted" attribute that the logging policy favours. */
  public boolean promoted(int i) {
    return promoted[i];
  }

  /** Whether user u belongs to the uniformly random exposure slice. */
  public boolean randomExposure(int u) {
    return userRandom[u];
  }

  /** The logging policy's per-draw distribution over items for user u. */
  public double[] policy(int u) {
    return policy(u, userRandom[u] ? null : affinities(u));
  }

  /** The policy given u's affinities with every item (unused for the random cohort). */
  double[] policy(int u, double[] affinity) {
    return policy(u, affinity, 0);
  }

  /**
   * The policy given u's affinities in a session whose hidden intent is {@code eps} (the random
   * cohort's stays uniform).
   */
  double[] policy(int u, double[] affinity, double eps) {
    int ni = spec.items();
    double[] p = new double[ni];
    if (userRandom[u]) {
      java.util.Arrays.fill(p, 1.0 / ni);
      return p;
    }
    SplittableRandom noise = new SplittableRandom(mix(seed, 4, u));
    double max = Double.NEGATIVE_INFINITY;
    double shift = spec.policyIntentStrength() * eps;
    for (int i = 0; i < ni; i++) {
      p[i] = logPopularity[i] + (promoted[i] ? 1.0 : 0.0) + 3.0 * (affinity[i] + 0.3 * noise.nextGaussian());
      if (shift != 0) {
        p[i] += shift * intentTrait[i];
      }
      max = Math.max(max, p[i]);
    }
    double sum = 0;
    for (int i = 0; i < ni; i++) {
      p[i] = Math.exp(p[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < ni; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** True propensity that i is shown to u in one session, from the per-draw probability. */
  public double inclusion(double perDraw) {
    return 1.0 - Math.pow(1.0 - perDraw, spec.slateSize());
  }

  /** True exposure propensities of all items for user u in one session (the mean over the hidden intent). */
  public double[] propensities(int u) {
    if (spec.policyIntentStrength() == 0 || userRandom[u]) {
      double[] p = policy(u);
      for (int i = 0; i < p.length; i++) {
        p[i] = inclusion(p[i]);
      }
      return p;
    }
    double[] affinity = affinities(u);
    double[] out = new double[spec.items()];
    for (int k = 0; k < INTENT_NODES.length; k++) {
      double[] p = policy(u, affinity, INTENT_NODES[k]);
      for (int i = 0; i < out.length; i++) {
        out[i] += INTENT_WEIGHTS[k] * inclusion(p[i]);
      }
    }
    return out;
  }

  static long mix(long seed, long stream, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static double sigmoid(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }
}
