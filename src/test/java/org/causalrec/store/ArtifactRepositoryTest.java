package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts stored in PostgreSQL by one node and fetched by another that has no copy: the bytes
 * arrive whole (a file larger than a chunk included), a damaged local copy is fetched again, and
 * damaged stored bytes are refused with a reason and leave nothing behind.
 */
@TestDatabase
class ArtifactRepositoryTest {

  @TempDir
  static Path dir;

  static StoreHandle store;

  @BeforeAll
  static void open() {
    store = StoreHandle.open(TestEnv.config(dir.resolve("node")));
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void anotherNodeFetchesTheStoredFilesAndChecksThem() throws Exception {
    Path trainerModels = dir.resolve("trainer/models");
    Path apiModels = dir.resolve("api/models");
    ModelRepository registry = new ModelRepository(store.pool());
    String version = registry.startTraining("mult-vae", new JsonObject(), "cpu()").await();
    Path folder = trainerModels.resolve(version);
    Files.createDirectories(folder.resolve("sub"));
    byte[] big = random(ArtifactRepository.CHUNK_BYTES + 12_345, 1);
    Files.write(folder.resolve("mult-vae-0000.params"), big);
    Files.writeString(folder.resolve("sub/items.json"), "[\"i1\",\"i2\"]");
    Files.write(folder.resolve("empty.bin"), new byte[0]);

    ArtifactRepository trainer = new ArtifactRepository(store.vertx(), store.pool(), trainerModels);
    assertEquals(big.length + 11L, trainer.store(version, folder).await());
    assertEquals(folder, trainer.local(version, folder.toString()).await(), "the trainer uses its own folder");

    ArtifactRepository api = new ArtifactRepository(store.vertx(), store.pool(), apiModels);
    Path fetched = api.local(version, folder.toString()).await();
    assertEquals(apiModels.resolve(version), fetched);
    assertArrayEquals(big, Files.readAllBytes(fetched.resolve("mult-vae-0000.params")));
    assertEquals("[\"i1\",\"i2\"]", Files.readString(fetched.resolve("sub/items.json")));
    assertEquals(0, Files.size(fetched.resolve("empty.bin")));

    // a truncated local copy is fetched again
    Files.write(fetched.resolve("mult-vae-0000.params"), new byte[] {1, 2, 3});
    assertArrayEquals(big, Files.readAllBytes(api.local(version, folder.toString()).await()
        .resolve("mult-vae-0000.params")));

    // stored bytes damaged in the database: refused with the reason, nothing left behind
    store.pool().preparedQuery("UPDATE model_file_chunks SET data = $2 WHERE version = $1 AND seq = 1")
        .execute(Tuple.of(version, io.vertx.core.buffer.Buffer.buffer(random(12_345, 2)))).await();
    ArtifactRepository third = new ArtifactRepository(store.vertx(), store.pool(), dir.resolve("third/models"));
    Throwable err = assertThrowsCause(() -> third.local(version, folder.toString()).await());
    assertTrue(err instanceof IOException && err.getMessage().contains("is damaged"), String.valueOf(err));
    try (var left = Files.list(dir.resolve("third/models"))) {
      assertEquals(0, left.count(), "no half-fetched folder stays");
    }

    // a version registered without stored files is read where its row says
    String legacy = registry.startTraining("mult-vae", new JsonObject(), "cpu()").await();
    assertEquals(Path.of("/somewhere/else"), api.local(legacy, "/somewhere/else").await());
    assertFalse(Files.exists(apiModels.resolve(legacy)));
  }

  private static Throwable assertThrowsCause(Runnable r) {
    try {
      r.run();
    } catch (Throwable e) { // await() throws the failure's cause itself, checked or not
      return e instanceof CompletionException ? e.getCause() : e;
    }
    throw new AssertionError("expected a failure");
  }
}
