package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.causalrec.data.Interactions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a saved model refuses a damaged artifact with an IOException, as {@link ModelKind#load} promises. */
class ArtifactsTest {

  @TempDir
  Path dir;

  @Test
  void aParameterFileWithoutItsHeaderIsRefusedNotLoadedAsNoParameters() throws IOException {
    Interactions.Builder b = new Interactions.Builder(20, 8);
    for (int u = 0; u < 20; u++) {
      b.add(u, u % 8, 1f);
    }
    try (MultVae vae = MultVae.KIND.train(MultVae.Data.naive(b.build()),
        MultVaeParams.forData(1, 20, MultVaeParams.DEFAULT_SEED), Device.cpu(), e -> { })) {
      vae.save(dir);
    }
    MultVae.KIND.load(dir, Device.cpu()).close();
    Path params;
    try (Stream<Path> files = Files.list(dir)) {
      params = files.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
    }
    Files.write(params, new byte[] {1, 2, 3, 4});
    IOException e = assertThrows(IOException.class, () -> MultVae.KIND.load(dir, Device.cpu()).close());
    assertTrue(e.getMessage().startsWith("corrupt mult-vae parameters in " + dir), e.getMessage());
  }
}
