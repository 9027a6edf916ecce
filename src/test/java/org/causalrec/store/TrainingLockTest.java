package org.causalrec.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.causalrec.TestDatabase;
import org.causalrec.TestEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training lock across two nodes' pools on one database: one holder per kind, kinds apart, and
 * a holder whose session dies (as when its process is killed) gives the lock up.
 */
@TestDatabase
class TrainingLockTest {

  @TempDir
  static Path dir;

  static StoreHandle one;
  static StoreHandle other;

  @BeforeAll
  static void open() {
    one = StoreHandle.open(TestEnv.config(dir.resolve("one")));
    other = StoreHandle.open(TestEnv.config(dir.resolve("other")));
  }

  @AfterAll
  static void close() {
    one.close();
    other.close();
  }

  @Test
  void oneHolderPerKindAndADeadHolderReleasesIt() {
    TrainingLock first = new TrainingLock(one.pool());
    TrainingLock second = new TrainingLock(other.pool());
    TrainingLock.Held held = first.tryLock("mult-vae").await();
    assertNotNull(held);
    assertNull(second.tryLock("mult-vae").await(), "the kind is held by the other node");
    TrainingLock.Held otherKind = second.tryLock("click-mlp").await();
    assertNotNull(otherKind, "another kind is free");
    held.release().await();
    TrainingLock.Held again = second.tryLock("mult-vae").await();
    assertNotNull(again, "released, the kind is free");

    // the holder's session ends as a killed process's does: the lock goes with it
    int killed = one.pool().query("SELECT pg_terminate_backend(l.pid) FROM pg_locks l"
        + " JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database()"
        + " AND l.locktype = 'advisory' AND l.pid <> pg_backend_pid() AND l.granted").execute().await().size();
    assertEquals(2, killed, "both locks the other node held");
    assertNotNull(first.tryLock("mult-vae").await(), "a dead holder's kind is free");
    assertNotNull(first.tryLock("click-mlp").await());
  }
}
