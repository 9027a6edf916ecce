package org.causalrec.model;

import org.causalrec.data.Interactions;

/** The contract every collaborative-filtering model honours: score users by their history. */
public interface CfModel extends AutoCloseable {

  /** The model kind: mult-vae, ease, popularity. */
  String kind();

  /** Scores of every item for rows [from, to) of {@code history}, one array per row. */
  float[][] score(Interactions history, int from, int to);

  @Override
  default void close() {}
}
