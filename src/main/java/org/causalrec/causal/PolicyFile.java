package org.causalrec.causal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A candidate policy read from a CSV file, for off-policy evaluation: the header
 * {@code item_id,position,probability} (context-free: the same item distribution at each position
 * for every user) or {@code user_id,item_id,position,probability} (per user). Positions count
 * from 1, as in the Open Bandit Dataset; for each (user and) position the probabilities over items
 * must sum to 1 (within {@link #SUM_TOLERANCE}). Parsing is strict: any other header, a missing or
 * extra field, a probability outside [0, 1], a position below 1, a repeated row or a sum that is
 * not 1 is refused with the line and field named.
 *
 * @param perUser whether rows are per user (else every user shares them)
 * @param table (user id, "" when context-free) -> position from 1 -> item id -> probability
 */
public record PolicyFile(boolean perUser, Map<String, Map<Integer, Map<String, Double>>> table) {

  /** How far a position's probabilities may sum from 1. */
  public static final double SUM_TOLERANCE = 1e-6;
  private static final List<String> CONTEXT_FREE = List.of("item_id", "position", "probability");
  private static final List<String> PER_USER = List.of("user_id", "item_id", "position", "probability");

  /** Reads the policy from {@code in}; {@code name} (the file) prefixes every error. */
  public static PolicyFile read(BufferedReader in, String name) {
    try {
      String header = in.readLine();
      if (header == null) {
        throw new IllegalArgumentException(name + " line 1: empty file, expected the header "
            + String.join(",", CONTEXT_FREE) + " or " + String.join(",", PER_USER));
      }
      List<String> cols = List.of(header.replace("\uFEFF", "").trim().split("\\s*,\\s*", -1));
      boolean perUser = cols.equals(PER_USER);
      if (!perUser && !cols.equals(CONTEXT_FREE)) {
        List<String> unknown = new ArrayList<>(cols);
        unknown.removeAll(PER_USER);
        throw new IllegalArgumentException(name + " line 1, header: expected " + String.join(",", CONTEXT_FREE)
            + " or " + String.join(",", PER_USER) + ", found " + header.trim()
            + (unknown.isEmpty() ? "" : " (unknown columns: " + String.join(", ", unknown) + ")"));
      }
      Map<String, Map<Integer, Map<String, Double>>> table = new LinkedHashMap<>();
      Map<String, Long> firstLine = new LinkedHashMap<>();
      String line;
      long lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != cols.size()) {
          throw new IllegalArgumentException(String.format(Locale.ROOT, "%s line %d: expected %d fields (%s), found %d",
              name, lineNo, cols.size(), String.join(",", cols), f.length));
        }
        int at = perUser ? 1 : 0;
        String user = perUser ? nonEmpty(f[0], name, lineNo, "user_id") : "";
        String item = nonEmpty(f[at], name, lineNo, "item_id");
        int position = position(f[at + 1].trim(), name, lineNo);
        double p = probability(f[at + 2].trim(), name, lineNo);
        Map<String, Double> slot = table.computeIfAbsent(user, u -> new LinkedHashMap<>())
            .computeIfAbsent(position, x -> new LinkedHashMap<>());
        if (slot.put(item, p) != null) {
          throw new IllegalArgumentException(String.format(Locale.ROOT, "%s line %d, field item_id: item %s at position"
              + " %d%s is listed twice", name, lineNo, item, position, perUser ? " for user " + user : ""));
        }
        firstLine.putIfAbsent(user + "\u0000" + position, lineNo);
      }
      if (table.isEmpty()) {
        throw new IllegalArgumentException(name + ": the header is followed by no rows");
      }
      table.forEach((user, positions) -> positions.forEach((position, items) -> {
        double sum = items.values().stream().mapToDouble(Double::doubleValue).sum();
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
          throw new IllegalArgumentException(String.format(Locale.ROOT, "%s line %d, field probability: the"
              + " probabilities of position %d%s sum to %.6f, not 1", name, firstLine.get(user + "\u0000" + position),
              position, perUser ? " for user " + user : "", sum));
        }
      }));
      return new PolicyFile(perUser, Collections.unmodifiableMap(table));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The item distribution at {@code position} (from 1) for {@code user}, or null when the file gives none. */
  public Map<String, Double> at(String user, int position) {
    Map<Integer, Map<String, Double>> positions = table.get(perUser ? user : "");
    return positions == null ? null : positions.get(position);
  }

  private static String nonEmpty(String v, String name, long lineNo, String field) {
    String t = v.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException(name + " line " + lineNo + ", field " + field + ": empty");
    }
    return t;
  }

  private static int position(String v, String name, long lineNo) {
    try {
      int p = Integer.parseInt(v);
      if (p >= 1) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " line " + lineNo + ", field position: '" + v
        + "' is not a whole number from 1 (positions count from 1)");
  }

  private static double probability(String v, String name, long lineNo) {
    double p;
    try {
      p = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      p = Double.NaN;
    }
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " line " + lineNo + ", field probability: '" + v
          + "' is not a number in [0, 1]");
    }
    return p;
  }
}
