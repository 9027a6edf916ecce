package org.causalrec.cli;

import io.vertx.core.json.JsonArray;
import org.causalrec.config.Config;
import org.causalrec.store.StoreHandle;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.causalrec.ingest.IngestService;
import org.causalrec.core.ApiException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code causalrec import}: load a dataset into the store through the ingest path. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import events: MovieLens ratings (u.data or ratings.csv), NDJSON events, Coat (a folder with"
        + " train.ascii and test.ascii) or user,item,rating triples (Yahoo!R3 style) with a random-exposure test file.")
public final class ImportCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--format", required = true, description = "movielens, ndjson, coat, triples, obd or kuairec")
  String format;

  @Option(names = "--random-test", description = "triples: the randomly exposed test file; obd: the random policy's CSV")
  Path randomTest;

  @Mixin
  BatchOptions batch = new BatchOptions(5000);

  @Parameters(index = "0", description = "the file (or, for coat and kuairec, the folder) to import")
  Path path;

  /** A file and how each of its lines becomes events. */
  private record Source(Path file, Importers.LineParser parser) {}

  @Override
  public Integer call() throws IOException {
    List<Source> sources = sources();
    for (Source s : sources) {
      if (!Files.isRegularFile(s.file())) {
        System.err.println("no such file: " + s.file());
        return 2;
      }
    }
    Config config = common.config();
    try (StoreHandle store = StoreHandle.open(config)) {
      IngestService ingest = IngestService.on(store, config);
      long t0 = System.nanoTime();
      long read = 0;
      long accepted = 0;
      JsonArray pending = new JsonArray();
      List<String> where = new ArrayList<>();
      for (Source s : sources) {
        try (BufferedReader in = Files.newBufferedReader(s.file())) {
          long lineNo = 0;
          String line;
          while ((line = in.readLine()) != null) {
            lineNo++;
            List<JsonObject> events;
            try {
              events = s.parser().parse(line, lineNo);
            } catch (RuntimeException ex) {
              throw failure(s.file().getFileName() + " line " + lineNo + ": " + ex.getMessage(), accepted);
            }
            for (JsonObject e : events) {
              where.add(s.file().getFileName() + " line " + lineNo);
              pending.add(e);
              read++;
              if (pending.size() == batch.size()) {
                accepted += flush(ingest, pending, where, accepted);
                pending = new JsonArray();
                where.clear();
              }
            }
          }
        }
      }
      accepted += flush(ingest, pending, where, accepted);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "imported %s: %d events read, %d stored, %d duplicates, %.1f s%n",
          path, read, accepted, read - accepted, secs);
    }
    return 0;
  }

  private List<Source> sources() {
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "movielens" -> List.of(new Source(path, Importers.movieLens(path.getFileName().toString().endsWith(".csv"))));
      case "ndjson" -> List.of(new Source(path, Importers.ndjson()));
      case "coat" -> List.of(new Source(path.resolve("train.ascii"), Importers.coat(false)),
          new Source(path.resolve("test.ascii"), Importers.coat(true)));
      case "triples" -> randomTest == null ? List.of(new Source(path, Importers.triples(false)))
          : List.of(new Source(path, Importers.triples(false)), new Source(randomTest, Importers.triples(true)));
      case "obd" -> randomTest == null ? List.of(new Source(path, Importers.openBandit("logged", false)))
          : List.of(new Source(path, Importers.openBandit("logged", false)),
              new Source(randomTest, Importers.openBandit("random", true)));
      case "kuairec" -> Files.isRegularFile(path.resolve("small_matrix.csv"))
          ? List.of(new Source(path.resolve("big_matrix.csv"), Importers.kuaiRec(false)),
              new Source(path.resolve("small_matrix.csv"), Importers.kuaiRec(true)))
          : List.of(new Source(path.resolve("big_matrix.csv"), Importers.kuaiRec(false)));
      default -> throw new IllegalArgumentException("unknown --format " + format
          + " (movielens, ndjson, coat, triples, obd, kuairec)");
    };
  }

  /** Stores one batch; a refused record is reported with its file and line. */
  private static long flush(IngestService ingest, JsonArray events, List<String> where, long storedBefore) {
    if (events.isEmpty()) {
      return 0;
    }
    try {
      return ingest.ingestEvents(events).await().accepted();
    } catch (ApiException e) {
      JsonObject err = e.toJson();
      Integer index = err.getInteger("index");
      String at = index == null ? where.get(0) + " to " + where.get(where.size() - 1) : where.get(index);
      throw failure(at + ": " + err.getString("field") + ": " + e.getMessage(), storedBefore);
    }
  }

  private static IllegalArgumentException failure(String what, long storedBefore) {
    return new IllegalArgumentException(what + " (" + storedBefore + " events of earlier batches are stored;"
        + " importing the file again skips those that carry an event_id)");
  }
}
