package org.causalrec.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How well predicted probabilities match what happened: the examples sorted by prediction and cut
 * into ten equal deciles, each decile's mean prediction against its observed rate.
 *
 * @param deciles predicted against observed, lowest predictions first
 * @param expectedCalibrationError the example-weighted mean of |predicted - observed| over the deciles
 * @param logLoss mean binary cross-entropy over the examples
 * @param examples how many there were
 */
public record Calibration(List<Decile> deciles, double expectedCalibrationError, double logLoss, long examples) {

  /**
   * One decile.
   *
   * @param decile 1 (lowest predictions) to 10
   * @param examples examples in it
   * @param predicted mean predicted probability
   * @param observed share of its examples whose outcome happened
   */
  public record Decile(int decile, long examples, double predicted, double observed) {}

  /**
   * One (prediction, outcome) pair packed into a long: predictions are clamped to non-negative
   * floats, whose bit patterns sort like their values, so one primitive sort orders the pairs.
   */
  public static long pack(float predicted, boolean outcome) {
    return ((long) Float.floatToIntBits(Math.max(0f, predicted)) << 1) | (outcome ? 1 : 0);
  }

  /** The calibration of predictions against outcomes, one each. */
  public static Calibration of(float[] predicted, boolean[] outcome) {
    if (predicted.length != outcome.length) {
      throw new IllegalArgumentException(predicted.length + " predictions for " + outcome.length + " outcomes");
    }
    long[] pairs = new long[predicted.length];
    for (int k = 0; k < pairs.length; k++) {
      pairs[k] = pack(predicted[k], outcome[k]);
    }
    return ofPacked(pairs);
  }

  /**
   * The calibration of packed pairs (see {@link #pack}); sorts them in place. Examples with equal
   * predictions share their outcomes evenly, so a tie that straddles deciles does not split into
   * its negatives below and its positives above.
   */
  public static Calibration ofPacked(long[] pairs) {
    Arrays.sort(pairs);
    return fromSorted(pairs, 1, new Examples() {
      @Override
      public double weight(int r) {
        return 1;
      }

      @Override
      public double weightIfHappened(int r) {
        return pairs[r] & 1;
      }
    });
  }

  /**
   * The calibration of predictions against outcomes with a weight each, e.g. inverse exposure
   * propensities: deciles hold equal numbers of examples, and each decile's predicted and observed
   * means, the error and the log loss are weighted means. With 1/p weights on logged impressions it
   * estimates how well the predictions match the click rate of every pair had it been shown, which
   * is what a debiased model predicts, rather than that of the pairs the logging policy chose.
   */
  public static Calibration weighted(float[] predicted, boolean[] outcome, float[] weight) {
    int n = predicted.length;
    if (outcome.length != n || weight.length != n) {
      throw new IllegalArgumentException(n + " predictions, " + outcome.length + " outcomes, " + weight.length
          + " weights");
    }
    // (prediction, index) packed into one long each, so that one primitive sort orders them
    long[] order = new long[n];
    for (int k = 0; k < n; k++) {
      order[k] = ((long) Float.floatToIntBits(Math.max(0f, predicted[k])) << 32) | k;
    }
    Arrays.sort(order);
    return fromSorted(order, 32, new Examples() {
      @Override
      public double weight(int r) {
        return weight[(int) order[r]];
      }

      @Override
      public double weightIfHappened(int r) {
        int k = (int) order[r];
        return outcome[k] ? weight[k] : 0;
      }
    });
  }

  /** The examples in their sorted order r: each one's weight, and that weight again if its outcome happened. */
  private interface Examples {
    double weight(int r);

    double weightIfHappened(int r);
  }

  /**
   * Deciles of examples sorted by prediction, whose prediction's float bits are each sorted long
   * shifted right by {@code shift}. Ties (equal predictions) share their weighted outcome evenly.
   */
  private static Calibration fromSorted(long[] sorted, int shift, Examples at) {
    int n = sorted.length;
    double[] sw = new double[10];
    double[] sp = new double[10];
    double[] so = new double[10];
    long[] count = new long[10];
    double logLoss = 0;
    for (int from = 0; from < n; ) {
      long bits = sorted[from] >>> shift;
      int to = from;
      double w = 0;
      double wy = 0;
      while (to < n && sorted[to] >>> shift == bits) {
        w += at.weight(to);
        wy += at.weightIfHappened(to);
        to++;
      }
      double p = Float.intBitsToFloat((int) bits);
      double share = w == 0 ? 0 : wy / w;
      double q = Math.min(1 - 1e-7, Math.max(1e-7, p));
      logLoss -= wy * Math.log(q) + (w - wy) * Math.log(1 - q);
      for (int r = from; r < to; r++) {
        double wr = at.weight(r);
        int d = (int) (10L * r / n);
        sw[d] += wr;
        sp[d] += wr * p;
        so[d] += wr * share;
        count[d]++;
      }
      from = to;
    }
    List<Decile> deciles = new ArrayList<>();
    double ece = 0;
    double total = 0;
    for (int d = 0; d < 10 && n > 0; d++) {
      double m = sw[d] > 0 ? sw[d] : 1;
      deciles.add(new Decile(d + 1, count[d], sp[d] / m, so[d] / m));
      ece += sw[d] * Math.abs(sp[d] / m - so[d] / m);
      total += sw[d];
    }
    return new Calibration(deciles, total > 0 ? ece / total : Double.NaN, total > 0 ? logLoss / total : Double.NaN,
        n);
  }
}
