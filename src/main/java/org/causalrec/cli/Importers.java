package org.causalrec.cli;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Line parsers of the dataset formats {@code import} reads. Randomly exposed test data (Coat's
 * test.ascii, a Yahoo!R3 test file, OBD's random policy, KuaiRec's fully observed small matrix) is
 * stored with {@code context.surface = "random"}, training data with {@code "logged"}; Coat's and
 * Yahoo!R3's test data is dated a month after the training data (their files have no times).
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

  /**
   * Open Bandit Dataset (Saito et al., NeurIPS 2021 datasets track) CSV, read by its header: one
   * impression per row (item_id, position from 1, propensity_score of the logging policy, click),
   * stored as an impression with its position (from 0), propensity and {@code recommended = true},
   * followed by a click when click = 1. OBD's propensity_score is P(item at that position), so the
   * logging policy's version is {@code obd-<tag>@position}: the suffix marks per-position
   * propensities ({@link org.causalrec.data.Impressions#PER_POSITION_SUFFIX}). OBD users are anonymous: the user is the tuple of its
   * user_feature_* columns ({@code obd-} and a name-based UUID of them). {@code random}: the file
   * is the uniformly random policy's log (surface "random").
   */
  static LineParser openBandit(String tag, boolean random) {
    String surface = random ? "random" : "logged";
    java.util.Map<String, Integer> cols = new java.util.HashMap<>();
    List<Integer> userCols = new ArrayList<>();
    return (line, lineNo) -> {
      if (line.isBlank()) {
        return List.of();
      }
      String[] f = line.split(",", -1);
      if (lineNo == 1) {
        header(f, cols, List.of("timestamp", "item_id", "position", "click", "propensity_score"),
            "an Open Bandit Dataset CSV");
        cols.forEach((name, k) -> {
          if (name.startsWith("user_feature_")) {
            userCols.add(k);
          }
        });
        userCols.sort(null);
        return List.of();
      }
      if (f.length < cols.size()) {
        throw new IllegalArgumentException("expected " + cols.size() + " columns, found " + f.length);
      }
      StringBuilder key = new StringBuilder();
      userCols.forEach(k -> key.append(f[k].trim()).append('|'));
      String user = "obd-" + java.util.UUID.nameUUIDFromBytes(key.toString().getBytes(
          java.nio.charset.StandardCharsets.UTF_8));
      String item = "obd-i" + f[cols.get("item_id")].trim();
      int position = (int) Double.parseDouble(f[cols.get("position")].trim()) - 1;
      double propensity = Double.parseDouble(f[cols.get("propensity_score")].trim());
      boolean click = Double.parseDouble(f[cols.get("click")].trim()) > 0;
      Instant ts = obdTime(f[cols.get("timestamp")].trim());
      String id = "obd-" + tag + "-" + lineNo;
      JsonObject ctx = new JsonObject().put("position", Math.max(0, position)).put("surface", surface)
          .put("recommended", true).put("propensity", propensity).put("model_version",
          "obd-" + tag + org.causalrec.data.Impressions.PER_POSITION_SUFFIX);
      List<JsonObject> out = new ArrayList<>(2);
      out.add(new JsonObject().put("event_id", id).put("user_id", user).put("item_id", item).put("type", "impression")
          .put("timestamp", ts.toString()).put("context", ctx));
      if (click) {
        out.add(new JsonObject().put("event_id", id + "-c").put("user_id", user).put("item_id", item)
            .put("type", "click").put("timestamp", ts.toString()).put("context", ctx.copy()));
      }
      return out;
    };
  }

  /** Reads a CSV header into column name -> index, refusing one without a {@code required} column. */
  private static void header(String[] f, java.util.Map<String, Integer> cols, List<String> required, String what) {
    for (int k = 0; k < f.length; k++) {
      cols.put(f[k].trim(), k);
    }
    for (String c : required) {
      if (!cols.containsKey(c)) {
        throw new IllegalArgumentException("the header has no " + c + " column (" + what + "?)");
      }
    }
  }

  /** OBD timestamps: "2019-11-24 00:00:17.070276+00:00" (or ISO-8601 with a T). */
  static Instant obdTime(String s) {
    String iso = s.replace(' ', 'T');
    return java.time.OffsetDateTime.parse(iso).toInstant();
  }

  /** KuaiRec's threshold of a positive view (the KuaiRec paper's: watched at least twice the video's length). */
  static final double KUAIREC_POSITIVE_WATCH_RATIO = 2.0;

  /**
   * KuaiRec (Gao et al., CIKM 2022) {@code big_matrix.csv} / {@code small_matrix.csv}, read by their
   * header (user_id, video_id, timestamp, watch_ratio, ...): every row is an impression, followed by
   * a click when watch_ratio is at least {@link #KUAIREC_POSITIVE_WATCH_RATIO}. The small matrix is
   * fully observed (every user saw every item): surface "random".
   */
  static LineParser kuaiRec(boolean fullyObserved) {
    String part = fullyObserved ? "random" : "logged";
    java.util.Map<String, Integer> cols = new java.util.HashMap<>();
    return (line, lineNo) -> {
      if (line.isBlank()) {
        return List.of();
      }
      String[] f = line.split(",", -1);
      if (lineNo == 1) {
        header(f, cols, List.of("user_id", "video_id", "watch_ratio"), "a KuaiRec matrix CSV");
        return List.of();
      }
      String user = "kr-u" + f[cols.get("user_id")].trim();
      String item = "kr-i" + f[cols.get("video_id")].trim();
      double ratio = Double.parseDouble(f[cols.get("watch_ratio")].trim());
      Integer tc = cols.get("timestamp");
      String raw = tc == null ? "" : f[tc].trim();
      Instant ts = raw.isEmpty() || raw.equalsIgnoreCase("nan")
          ? (fullyObserved ? RANDOM_TIME : TRAIN_TIME)
          : Instant.ofEpochMilli((long) (Double.parseDouble(raw) * 1000));
      String id = "kr-" + part + "-" + f[cols.get("user_id")].trim() + "-" + f[cols.get("video_id")].trim();
      JsonObject ctx = new JsonObject().put("surface", part).put("recommended", !fullyObserved);
      List<JsonObject> out = new ArrayList<>(2);
      out.add(new JsonObject().put("event_id", id).put("user_id", user).put("item_id", item).put("type", "impression")
          .put("timestamp", ts.toString()).put("context", ctx));
      if (ratio >= KUAIREC_POSITIVE_WATCH_RATIO) {
        out.add(new JsonObject().put("event_id", id + "-c").put("user_id", user).put("item_id", item)
            .put("type", "click").put("timestamp", ts.toString()).put("context", ctx.copy()));
      }
      return out;
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
