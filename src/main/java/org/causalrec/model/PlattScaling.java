package org.causalrec.model;

/**
 * Platt scaling: a model's probability p is mapped to sigmoid(a · logit(p) + b), with a and b fitted
 * by weighted maximum likelihood on examples the model did not train on. It keeps the ranking
 * (for a > 0) and corrects over- or under-confidence (a below or above 1) and a shifted base rate (b).
 *
 * @param a slope on the logit
 * @param b intercept
 */
public record PlattScaling(double a, double b) {

  /** No change. */
  public static final PlattScaling IDENTITY = new PlattScaling(1, 0);

  public PlattScaling {
    if (!Double.isFinite(a) || !Double.isFinite(b)) {
      throw new IllegalArgumentException("Platt scaling needs finite parameters: a=" + a + " b=" + b);
    }
  }

  /** The calibrated probability of a raw one. */
  public float apply(float p) {
    return a == 1 && b == 0 ? p : (float) sigmoid(a * logit(p) + b);
  }

  /**
   * Fits a and b to raw predictions and outcomes, each example weighted (e.g. by 1/p to calibrate
   * against every pair rather than the shown ones), by Newton's method on the weighted log loss.
   * Targets are Platt's smoothed labels (positives (N+ + 1)/(N+ + 2), negatives 1/(N- + 2), in
   * weight), so separable data still gives finite parameters.
   */
  public static PlattScaling fit(float[] predicted, boolean[] outcome, float[] weight) {
    int n = predicted.length;
    if (outcome.length != n || weight.length != n) {
      throw new IllegalArgumentException(n + " predictions, " + outcome.length + " outcomes, " + weight.length
          + " weights");
    }
    double pos = 0;
    double neg = 0;
    for (int k = 0; k < n; k++) {
      if (outcome[k]) {
        pos += weight[k];
      } else {
        neg += weight[k];
      }
    }
    if (pos == 0 || neg == 0) {
      throw new IllegalArgumentException("Platt scaling needs both outcomes among the weighted examples");
    }
    double hi = (pos + 1) / (pos + 2);
    double lo = 1 / (neg + 2);
    double[] x = new double[n];
    for (int k = 0; k < n; k++) {
      x[k] = logit(predicted[k]);
    }
    double a = 1;
    double b = 0;
    for (int iter = 0; iter < 100; iter++) {
      // gradient and Hessian of the weighted cross-entropy in (a, b)
      double ga = 0;
      double gb = 0;
      double haa = 0;
      double hab = 0;
      double hbb = 0;
      for (int k = 0; k < n; k++) {
        double q = sigmoid(a * x[k] + b);
        double t = outcome[k] ? hi : lo;
        double w = weight[k];
        double r = w * (q - t);
        ga += r * x[k];
        gb += r;
        double h = w * Math.max(q * (1 - q), 1e-12);
        haa += h * x[k] * x[k];
        hab += h * x[k];
        hbb += h;
      }
      double det = haa * hbb - hab * hab;
      if (!(Math.abs(det) > 1e-18)) {
        break;
      }
      double da = (hbb * ga - hab * gb) / det;
      double db = (haa * gb - hab * ga) / det;
      a -= da;
      b -= db;
      if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) {
        break;
      }
    }
    return new PlattScaling(a, b);
  }

  private static double logit(double p) {
    double q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return Math.log(q / (1 - q));
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
