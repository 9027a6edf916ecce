package org.causalrec.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.causalrec.core.FileTrees;

/**
 * Model artifacts in PostgreSQL, so that every node can load a version another node trained
 * without a shared volume: a ready version's folder is stored file by file, in chunks of
 * {@link #CHUNK_BYTES}, with each file's size and SHA-256. A node that loads a version uses its
 * own copy under {@code models/} in its data directory when the sizes match the stored ones, and
 * otherwise fetches the files into a fresh folder, checks each digest, and moves the folder into
 * place. A version registered without stored files (older releases, tests) is read from the folder
 * its row names.
 */
public final class ArtifactRepository {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ArtifactRepository.class);

  /**
   * Bytes per stored chunk: rows stay few, and a loading node holds one chunk at a time in memory
   * (the storing node reads one file at a time whole).
   */
  static final int CHUNK_BYTES = 4 << 20;

  private final Vertx vertx;
  private final Pool pool;
  private final Path modelsDir;

  /**
   * @param modelsDir where this node keeps its copies of artifacts, one folder a version
   */
  public ArtifactRepository(Vertx vertx, Pool pool, Path modelsDir) {
    this.vertx = vertx;
    this.pool = pool;
    this.modelsDir = modelsDir;
  }

  /** The artifacts of a node configured by {@code config}: its copies under {@code models/} in its data directory. */
  public static ArtifactRepository of(Vertx vertx, Pool pool, org.causalrec.config.Config config) {
    return new ArtifactRepository(vertx, pool, config.dataDir().resolve("models"));
  }

  /** This node's folder of artifacts. */
  public Path modelsDir() {
    return modelsDir;
  }

  /** A stored file: its path in the folder, its size and digest. */
  record StoredFile(String name, long size, String sha256) {}

  /**
   * Stores every file under {@code dir} as {@code version}'s artifact, in one transaction (a
   * failure stores nothing); completes with the bytes stored.
   */
  public Future<Long> store(String version, Path dir) {
    long start = System.nanoTime();
    return vertx.executeBlocking(() -> list(dir), false).compose(files -> pool.withTransaction(conn -> {
      Future<Long> chain = conn.preparedQuery("DELETE FROM model_files WHERE version = $1")
          .execute(Tuple.of(version)).map(0L);
      for (Path f : files) {
        chain = chain.compose(total -> storeFile(conn, version, dir, f).map(n -> total + n));
      }
      return chain.onSuccess(bytes -> LOG.info("Stored the artifact of {} in PostgreSQL: {} files, {} bytes in {} ms",
          version, files.size(), bytes, (System.nanoTime() - start) / 1_000_000));
    }));
  }

  private Future<Long> storeFile(io.vertx.sqlclient.SqlConnection conn, String version, Path dir, Path file) {
    String name = dir.relativize(file).toString().replace('\\', '/');
    return vertx.executeBlocking(() -> chunks(file), false).compose(read -> {
      Future<Void> chain = conn.preparedQuery("INSERT INTO model_files (version, name, size, sha256) VALUES ($1, $2, $3, $4)")
          .execute(Tuple.of(version, name, read.size, read.sha256)).mapEmpty();
      for (int i = 0; i < read.chunks.size(); i++) {
        Tuple t = Tuple.of(version, name, i, read.chunks.get(i));
        chain = chain.compose(v -> conn.preparedQuery(
            "INSERT INTO model_file_chunks (version, name, seq, data) VALUES ($1, $2, $3, $4)").execute(t).mapEmpty());
      }
      return chain.map(read.size);
    });
  }

  private record Read(long size, String sha256, List<Buffer> chunks) {}

  private static Read chunks(Path file) throws IOException {
    MessageDigest sha = sha256();
    List<Buffer> chunks = new ArrayList<>();
    long size = 0;
    try (InputStream in = Files.newInputStream(file)) {
      while (true) {
        byte[] b = in.readNBytes(CHUNK_BYTES);
        if (b.length == 0 && !chunks.isEmpty()) {
          break;
        }
        sha.update(b);
        size += b.length;
        chunks.add(Buffer.buffer(b));
        if (b.length < CHUNK_BYTES) {
          break;
        }
      }
    }
    return new Read(size, HexFormat.of().formatHex(sha.digest()), chunks);
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /**
   * The folder to load {@code version} from on this node: {@code recorded} (the folder its row
   * names) when nothing is stored for it, else this node's copy, fetched first when it is missing
   * or differs from the stored files. Fails with an IOException when the stored files are
   * damaged (a digest does not match).
   */
  public Future<Path> local(String version, String recorded) {
    return files(version).compose(stored -> {
      if (stored.isEmpty()) {
        return Future.succeededFuture(recorded == null ? null : Path.of(recorded));
      }
      Path own = modelsDir.resolve(version);
      return vertx.executeBlocking(() -> matches(own, stored), false)
          .compose(same -> same ? Future.succeededFuture(own) : fetch(version, stored, own));
    });
  }

  /**
   * Fetches {@code version}'s stored files again, over this node's copy (which did not open: a
   * damaged disk, a copy cut short); completes with the folder, or null when nothing is stored.
   */
  public Future<Path> refetch(String version) {
    return files(version).compose(stored -> stored.isEmpty() ? Future.succeededFuture()
        : fetch(version, stored, modelsDir.resolve(version)));
  }

  private Future<List<StoredFile>> files(String version) {
    return pool.preparedQuery("SELECT name, size, sha256 FROM model_files WHERE version = $1 ORDER BY name")
        .execute(Tuple.of(version)).map(rs -> {
          List<StoredFile> out = new ArrayList<>();
          for (Row r : rs) {
            out.add(new StoredFile(r.getString(0), r.getLong(1), r.getString(2)));
          }
          return out;
        });
  }

  /** Whether {@code dir} holds exactly the stored files, by name and size. */
  private static boolean matches(Path dir, List<StoredFile> stored) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    List<Path> have = list(dir);
    if (have.size() != stored.size()) {
      return false;
    }
    for (StoredFile f : stored) {
      Path p = dir.resolve(f.name());
      if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
        return false;
      }
    }
    return true;
  }

  /** Fetches the stored files into a fresh folder beside {@code target}, checks them, and moves it there. */
  private Future<Path> fetch(String version, List<StoredFile> stored, Path target) {
    Path tmp = modelsDir.resolve("." + version + ".fetch-" + UUID.randomUUID());
    Future<Void> chain = vertx.executeBlocking(() -> Files.createDirectories(tmp), false).mapEmpty();
    for (StoredFile f : stored) {
      chain = chain.compose(v -> fetchFile(version, f, tmp));
    }
    long start = System.nanoTime();
    return chain.compose(v -> vertx.executeBlocking(() -> {
      FileTrees.delete(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("Fetched the artifact of {} from PostgreSQL: {} bytes in {} ms", version,
          stored.stream().mapToLong(StoredFile::size).sum(), (System.nanoTime() - start) / 1_000_000);
      return target;
    }, false)).recover(err -> vertx.executeBlocking(() -> {
      FileTrees.delete(tmp); // nothing half-fetched stays
      return null;
    }, false).transform(ar -> Future.failedFuture(err)));
  }

  private Future<Void> fetchFile(String version, StoredFile f, Path dir) {
    // one chunk at a time: a large model never sits in memory whole
    Path out = dir.resolve(f.name());
    MessageDigest sha = sha256();
    Future<Void> chain = vertx.executeBlocking(() -> {
      Files.createDirectories(out.getParent());
      Files.deleteIfExists(out);
      Files.createFile(out);
      return null;
    }, false);
    return chain.compose(v -> chunkCount(version, f.name())).compose(n -> {
      Future<Void> c = Future.succeededFuture();
      for (int i = 0; i < n; i++) {
        int seq = i;
        c = c.compose(v -> pool.preparedQuery(
                "SELECT data FROM model_file_chunks WHERE version = $1 AND name = $2 AND seq = $3")
            .execute(Tuple.of(version, f.name(), seq))
            .compose(rs -> {
              if (rs.size() != 1) {
                return Future.failedFuture(new IOException("stored artifact of " + version + ": chunk " + seq
                    + " of " + f.name() + " is missing"));
              }
              Buffer data = rs.iterator().next().getBuffer(0);
              return vertx.executeBlocking(() -> {
                byte[] b = data.getBytes();
                sha.update(b);
                try (OutputStream o = Files.newOutputStream(out, java.nio.file.StandardOpenOption.APPEND)) {
                  o.write(b);
                }
                return null;
              }, false);
            }));
      }
      return c;
    }).compose(v -> vertx.executeBlocking(() -> {
      String got = HexFormat.of().formatHex(sha.digest());
      if (Files.size(out) != f.size() || !got.equals(f.sha256())) {
        throw new IOException("stored artifact of " + version + " is damaged: " + f.name() + " has "
            + Files.size(out) + " bytes and SHA-256 " + got + ", stored as " + f.size() + " bytes and " + f.sha256());
      }
      return null;
    }, false));
  }

  private Future<Integer> chunkCount(String version, String name) {
    return pool.preparedQuery("SELECT count(*) FROM model_file_chunks WHERE version = $1 AND name = $2")
        .execute(Tuple.of(version, name)).map(rs -> rs.iterator().next().getInteger(0));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
