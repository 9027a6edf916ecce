package org.causalrec.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One kind of trained model: how it trains from its data set with its params (reporting each epoch),
 * and how a saved one is loaded back. Each kind is one class with one such constant.
 *
 * @param <D> the data set it trains on
 * @param <P> its hyperparameters
 * @param <M> the trained model
 */
public interface ModelKind<D, P, M extends TrainedModel<?, ?>> {

  /** The kind's name in the registry and the API (mult-vae, click-mlp, exposure, uplift). */
  String name();

  /** Trains a model on {@code data} on {@code device}. */
  M train(D data, P params, Device device, Consumer<TrainingLoop.Epoch> progress);

  /** Loads a model saved by {@link TrainedModel#save} from {@code dir}; a missing or corrupt artifact is an IOException. */
  M load(Path dir, Device device) throws IOException;
}
