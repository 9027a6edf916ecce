package org.causalrec.serve;

import ai.djl.Device;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Interactions;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.store.ModelRepository;

/** Real Mult-VAE artifacts for serving tests: trained for one epoch, saved and registered as training saves them. */
final class MultVaeArtifacts {

  private MultVaeArtifacts() {}

  /** Trains a Mult-VAE on {@code feedback} for one epoch and saves it with its item index into {@code dir}. */
  static Path train(Interactions feedback, IdIndex items, Path dir) throws IOException {
    MultVaeParams p = MultVaeParams.forData(1, feedback.users(), MultVaeParams.DEFAULT_SEED);
    try (MultVae vae = MultVae.KIND.train(MultVae.Data.naive(feedback), p, Device.cpu(), e -> { })) {
      vae.save(dir);
    }
    items.write(dir.resolve("items.json"));
    return dir;
  }

  /** A copy of the artifact folder {@code from} at {@code to}. */
  static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  /** Registers a ready Mult-VAE version whose artifact is {@code artifact}; returns its name. */
  static String registerReady(ModelRepository registry, Path artifact) {
    String version = registry.startTraining(MultVae.KIND.name(), new JsonObject(), "cpu()").await();
    registry.markReady(version, new JsonObject(), new JsonObject(), 1, artifact.toString()).await();
    return version;
  }
}
