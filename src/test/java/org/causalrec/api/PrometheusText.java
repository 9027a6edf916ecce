package org.causalrec.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line a comment,
 * a {@code # HELP}/{@code # TYPE} line or a sample; every sample of a declared family (with the
 * suffixes its type allows); label values properly escaped; values that parse; histogram buckets
 * cumulative, ending at {@code +Inf} equal to {@code _count}. Fails with the offending line.
 */
final class PrometheusText {

  /** One sample: its metric name, labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile(
      "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

  final Map<String, String> types = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();

  private PrometheusText() {}

  /** Parses a scrape, or throws AssertionError naming the first line that breaks the format. */
  static PrometheusText parse(String text) {
    PrometheusText p = new PrometheusText();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        p.comment(line, n);
      } else {
        p.sample(line, n);
      }
    }
    p.checkHistograms();
    return p;
  }

  private void comment(String line, int n) {
    String[] parts = line.split(" ", 4);
    if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
      if (!NAME.matcher(parts[2]).matches()) {
        throw new AssertionError("line " + n + ": bad metric name: " + line);
      }
      if (parts[1].equals("TYPE")) {
        String type = parts.length == 4 ? parts[3] : "";
        if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(type)) {
          throw new AssertionError("line " + n + ": bad type: " + line);
        }
        if (types.put(parts[2], type) != null) {
          throw new AssertionError("line " + n + ": family declared twice: " + line);
        }
      }
    }
  }

  private void sample(String line, int n) {
    Matcher m = SAMPLE.matcher(line);
    if (!m.matches()) {
      throw new AssertionError("line " + n + ": not a sample: " + line);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (m.group(3) != null && !m.group(3).isEmpty()) {
      String body = m.group(3).endsWith(",") ? m.group(3).substring(0, m.group(3).length() - 1) : m.group(3);
      Matcher l = LABEL.matcher(body);
      int at = 0;
      while (at < body.length()) {
        if (!l.find(at) || l.start() != at) {
          throw new AssertionError("line " + n + ": bad labels: " + line);
        }
        if (labels.put(l.group(1), l.group(2)) != null) {
          throw new AssertionError("line " + n + ": label repeated: " + line);
        }
        at = l.end();
      }
    }
    double value;
    String v = m.group(4);
    value = switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new AssertionError("line " + n + ": bad value: " + line);
        }
      }
    };
    String name = m.group(1);
    if (family(name) == null) {
      throw new AssertionError("line " + n + ": sample of no declared family: " + line);
    }
    samples.add(new Sample(name, labels, value));
  }

  /** The declared family a sample name belongs to, or null. */
  String family(String sample) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_total", "_created", "_bucket", "_count", "_sum", "_max")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return null;
  }

  private void checkHistograms() {
    Map<String, List<Sample>> buckets = new HashMap<>();
    for (Sample s : samples) {
      if (s.name().endsWith("_bucket")) {
        Map<String, String> rest = new LinkedHashMap<>(s.labels());
        rest.remove("le");
        buckets.computeIfAbsent(s.name() + rest, k -> new ArrayList<>()).add(s);
      }
    }
    for (List<Sample> series : buckets.values()) {
      double last = 0;
      for (Sample b : series) {
        if (b.value() < last) {
          throw new AssertionError("histogram buckets not cumulative: " + series);
        }
        last = b.value();
      }
      Sample top = series.get(series.size() - 1);
      if (!"+Inf".equals(top.labels().get("le"))) {
        throw new AssertionError("histogram without a +Inf bucket: " + top);
      }
      Map<String, String> rest = new LinkedHashMap<>(top.labels());
      rest.remove("le");
      String count = top.name().replace("_bucket", "_count");
      double c = sum(count, rest);
      if (c != top.value()) {
        throw new AssertionError("+Inf bucket " + top.value() + " != " + count + " " + c + " " + rest);
      }
    }
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels}. */
  double sum(String name, Map<String, String> labels) {
    double total = 0;
    for (Sample s : samples) {
      if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
        total += s.value();
      }
    }
    return total;
  }

  /** The sum of the samples named {@code name} (0 when none). */
  double sum(String name) {
    return sum(name, Map.of());
  }

  /** Whether any sample is named {@code name} and carries {@code labels}. */
  boolean has(String name, Map<String, String> labels) {
    return samples.stream().anyMatch(s -> s.name().equals(name)
        && s.labels().entrySet().containsAll(labels.entrySet()));
  }
}
