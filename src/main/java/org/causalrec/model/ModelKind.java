package org.causalrec.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One kind of trained model: how it trains from its data set with its params (reporting each epoch),
 * and how a saved one is loaded back. Each kind is one class with one such constant, made by
 * {@link #of}.
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

  /** Loads a model saved by {@link TrainedModel#save} from {@code dir}; a missing or corrupt artifact: IOException. */
  M load(Path dir, Device device) throws IOException;

  /** How a kind trains. */
  @FunctionalInterface
  interface Training<D, P, M> {
    M train(D data, P params, Device device, Consumer<TrainingLoop.Epoch> progress);
  }

  /** How a kind loads. */
  @FunctionalInterface
  interface Loading<M> {
    M load(Path dir, Device device) throws IOException;
  }

  /** The kind named {@code name} that trains and loads with these functions. */
  static <D, P, M extends TrainedModel<?, ?>> ModelKind<D, P, M> of(String name, Training<D, P, M> training,
      Loading<M> loading) {
    return new ModelKind<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public M train(D data, P params, Device device, Consumer<TrainingLoop.Epoch> progress) {
        return training.train(data, params, device, progress);
      }

      @Override
      public M load(Path dir, Device device) throws IOException {
        return loading.load(dir, device);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
