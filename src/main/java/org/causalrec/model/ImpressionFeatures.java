package org.causalrec.model;

import org.causalrec.data.Impressions;

/**
 * Per-impression inputs computed outside a network, e.g. a collaborative model's view of the
 * (user history, item) pair, which the click MLP takes beside its own embeddings.
 */
public interface ImpressionFeatures {

  /** Features per impression. */
  int dim();

  /** The features of every impression of {@code d}, row-major [d.size(), dim()]. */
  float[] of(Impressions d);
}
