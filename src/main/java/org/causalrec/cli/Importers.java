package org.causalrec.cli;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Line parsers of the dataset formats {@code import} reads. Randomly exposed test data (Coat's
 * test.ascii, a Yahoo!R3 test file) is stored with {@code context.surface = "random"}, training
 * data with {@code "logged"}; the test data is dated a month after the training data.
 */
final class Importers {

  /** Turns one line of a dataset file into events (none for a header or blank line). */
  interface LineParser {
    List<JsonObject> parse(String line, long lineNo);
  }

  static final Instant TRAIN_TIME = Instant.parse("2016-01-01T00:00:00Z");
  static final Instant RANDOM_TIME = Instant.parse("2016-02-01T00:00:00Z");

  private Importers() {}

  /** MovieLens: {@code u.data} (user, item, rating, seconds; tabs) or {@code ratings.csv} with a header. */
  static LineParser movieLens(boolean csv) {
    return (line, lineNo) -> {
      if (line.isBlank() || (csv && lineNo == 1 && line.startsWith("userId"))) {
        return List.of();
      }
      String[] f = csv ? line.split(",") : line.split("\t");
      if (f.length < 4) {
        throw new IllegalArgumentException("expected user, item, rating, timestamp");
      }
      String user = f[0].trim();
      String item = f[1].trim();
      return List.of(rating("ml-" + user + "-" + item, user, item, Double.parseDouble(f[2].trim()),
          Instant.ofEpochSecond(Long.parseLong(f[3].trim())), null));
    };
  }

  /** One event object a line, as {@code POST /v1/events} takes it. */
  static LineParser ndjson() {
    return (line, lineNo) -> line.isBlank() ? List.of() : List.of(new JsonObject(line));
  }

  /**
   * Coat (Schnabel et al., ICML 2016): a user per line, one whitespace-separated rating per item,
   * 0 for unobserved. Users and items are numbered from 0 as {@code coat-u<k>}, {@code coat-i<j>}.
   */
  static LineParser coat(boolean random) {
    String part = random ? "random" : "logged";
    return (line, lineNo) -> {
      if (line.isBlank()) {
        return List.of();
      }
      String[] f = line.trim().split("\\s+");
      List<JsonObject> out = new ArrayList<>();
      long user = lineNo - 1;
      for (int j = 0; j < f.length; j++) {
        double r = Double.parseDouble(f[j]);
        if (r > 0) {
          out.add(rating("coat-" + part + "-" + user + "-" + j, "coat-u" + user, "coat-i" + j, r,
              random ? RANDOM_TIME : TRAIN_TIME, part));
        }
      }
      return out;
    };
  }

  /** Yahoo!R3-style triples: user, item, rating separated by tabs, commas or spaces; ids kept as given. */
  static LineParser triples(boolean random) {
    String part = random ? "random" : "logged";
    return (line, lineNo) -> {
      if (line.isBlank()) {
        return List.of();
      }
      String[] f = line.trim().split("[\\t, ]+");
      if (f.length < 3) {
        throw new IllegalArgumentException("expected user, item, rating");
      }
      if (lineNo == 1 && !f[2].matches("[0-9.]+")) {
        return List.of(); // a header
      }
      return List.of(rating("triples-" + part + "-" + f[0] + "-" + f[1], f[0], f[1], Double.parseDouble(f[2]),
          random ? RANDOM_TIME : TRAIN_TIME, part));
    };
  }

  private static JsonObject rating(String eventId, String user, String item, double value, Instant ts,
      String surface) {
    JsonObject e = new JsonObject().put("event_id", eventId).put("user_id", user).put("item_id", item)
        .put("type", "rating").put("value", value).put("timestamp", ts.toString());
    if (surface != null) {
      e.put("context", new JsonObject().put("surface", surface).put("recommended", false));
    }
    return e;
  }
}
