package org.causalrec.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.causalrec.Server;
import org.causalrec.ingest.IngestService;
import org.causalrec.ingest.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code causalrec import}: load a dataset file into the store through the ingest path. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import events from a file: MovieLens ratings (u.data or ratings.csv) or NDJSON events.")
public final class ImportCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--format", required = true, description = "movielens or ndjson")
  String format;

  @Option(names = "--batch", defaultValue = "5000", description = "events per batch (default ${DEFAULT-VALUE})")
  int batch;

  @Parameters(index = "0", description = "the file to import")
  Path path;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(path)) {
      System.err.println("no such file: " + path);
      return 2;
    }
    try (Server.Store store = Server.Store.open(common.config());
        BufferedReader in = Files.newBufferedReader(path)) {
      Importer importer = switch (format.toLowerCase(Locale.ROOT)) {
        case "movielens" -> new MovieLens(path.getFileName().toString().endsWith(".csv"));
        case "ndjson" -> new Ndjson();
        default -> throw new IllegalArgumentException("unknown --format " + format + " (movielens, ndjson)");
      };
      long t0 = System.nanoTime();
      long read = 0;
      long accepted = 0;
      long lineNo = 0;
      JsonArray pending = new JsonArray();
      long[] lines = new long[batch];
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        JsonObject e;
        try {
          e = importer.parse(line, lineNo);
        } catch (RuntimeException ex) {
          throw failure("line " + lineNo + ": " + ex.getMessage(), accepted);
        }
        if (e == null) {
          continue;
        }
        lines[pending.size()] = lineNo;
        pending.add(e);
        read++;
        if (pending.size() == batch) {
          accepted += flush(store.ingest(), pending, lines, accepted);
          pending = new JsonArray();
        }
      }
      accepted += flush(store.ingest(), pending, lines, accepted);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "imported %s: %d events read, %d stored, %d duplicates, %.1f s%n",
          path, read, accepted, read - accepted, s);
    }
    return 0;
  }

  /** Stores one batch; a refused record is reported with its line of the file. */
  private static long flush(IngestService ingest, JsonArray events, long[] lines, long storedBefore) {
    if (events.isEmpty()) {
      return 0;
    }
    try {
      return ingest.ingestEvents(events).await().accepted();
    } catch (InvalidInputException e) {
      JsonObject err = e.toJson();
      Integer index = err.getInteger("index");
      String where = index == null ? "lines " + lines[0] + "-" + lines[events.size() - 1] : "line " + lines[index];
      throw failure(where + ": " + err.getString("field") + ": " + e.getMessage(), storedBefore);
    }
  }

  private static IllegalArgumentException failure(String what, long storedBefore) {
    return new IllegalArgumentException(what + " (" + storedBefore + " events of earlier batches are stored;"
        + " importing the file again skips those that carry an event_id)");
  }

  /** Turns one line of a dataset file into an event, or null for a header or blank line. */
  private interface Importer {
    JsonObject parse(String line, long lineNo);
  }

  /** MovieLens: {@code u.data} (user, item, rating, seconds; tabs) or {@code ratings.csv} with a header. */
  private record MovieLens(boolean csv) implements Importer {
    @Override
    public JsonObject parse(String line, long lineNo) {
      if (line.isBlank() || (csv && lineNo == 1 && line.startsWith("userId"))) {
        return null;
      }
      String[] f = csv ? line.split(",") : line.split("\t");
      if (f.length < 4) {
        throw new IllegalArgumentException("line " + lineNo + ": expected user, item, rating, timestamp");
      }
      String user = f[0].trim();
      String item = f[1].trim();
      return new JsonObject()
          .put("event_id", "ml-" + user + "-" + item)
          .put("user_id", user)
          .put("item_id", item)
          .put("type", "rating")
          .put("value", Double.parseDouble(f[2].trim()))
          .put("timestamp", Instant.ofEpochSecond(Long.parseLong(f[3].trim())).toString());
    }
  }

  /** One event object a line, as {@code POST /v1/events} takes it. */
  private static final class Ndjson implements Importer {
    @Override
    public JsonObject parse(String line, long lineNo) {
      return line.isBlank() ? null : new JsonObject(line);
    }
  }
}
