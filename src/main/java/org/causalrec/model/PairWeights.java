package org.causalrec.model;

/** A weight per (user, item) pair, in a model's own indexes: inverse exposure propensities. */
@FunctionalInterface
public interface PairWeights {

  /** The weight of user u's feedback on item i. */
  float weight(int user, int item);
}
