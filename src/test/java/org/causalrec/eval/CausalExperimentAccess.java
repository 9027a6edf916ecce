package org.causalrec.eval;

import java.util.List;

/** Opens the experiment's correlation helper to tests of other packages. */
public final class CausalExperimentAccess {

  private CausalExperimentAccess() {}

  /** Spearman's rank correlation of (x, y) pairs. */
  public static double spearman(List<double[]> pairs) {
    return CausalExperiment.pearson(pairs, true);
  }
}
