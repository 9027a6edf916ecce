package org.causalrec.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A trained model of one {@link ModelKind}: scores a batch of its inputs and saves itself into an
 * artifact directory. It holds native memory: close it.
 *
 * @param <B> a batch of what it scores
 * @param <S> the scores of a batch
 */
public interface TrainedModel<B, S> extends AutoCloseable {

  /** The scores of {@code batch}. */
  S score(B batch);

  /** Saves the model into {@code dir} (created when missing). */
  void save(Path dir) throws IOException;

  @Override
  void close();
}
