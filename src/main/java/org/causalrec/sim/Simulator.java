package org.causalrec.sim;

import org.causalrec.core.Poisson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.causalrec.store.Event;

/**
 * Plays a {@link World}: for each user, sessions in which the logging policy shows a slate
 * (impressions with the recommended flag and the true propensity), the user clicks and converts
 * with or without the recommendation's effect, and browses and buys organically. Every user's log
 * depends only on (seed, user), so the whole log is deterministic however it is parallelised.
 */
public final class Simulator {

  /** Events are dated from here onwards, over {@link #PERIOD_DAYS} days. */
  static final Instant BASE_TIME = Instant.parse("2026-01-01T00:00:00Z");
  static final int PERIOD_DAYS = 30;
  static final String LOGGING_POLICY = "logging-policy";

  /**
   * One user's simulated log.
   *
   * @param events the events, in time order, as the ingest API takes them
   * @param truth one TSV row per (session, item) the log mentions: {@link #TRUTH_HEADER}
   */
  public record UserLog(List<JsonObject> events, List<String> truth) {}

  /** Columns of the per-exposure ground truth. */
  public static final String TRUTH_HEADER =
      "user_id\titem_id\tsession\trecommended\tpropensity\trelevance\ty0\ty1\tuplift\tclicked\tconverted";

  private final World world;

  public Simulator(World world) {
    this.world = world;
  }

  /** The world being played. */
  public World world() {
    return world;
  }

  /** The catalogue: generated titles and descriptions from the category vocabularies. */
  public List<JsonObject> items() {
    List<JsonObject> out = new ArrayList<>(world.items());
    for (int i = 0; i < world.items(); i++) {
      SplittableRandom r = new SplittableRandom(World.mix(world.seed(), 5, i));
      Vocabulary.Category c = Vocabulary.CATEGORIES.get(world.itemCategory[i]);
      Vocabulary.Category second = world.itemSecond[i] >= 0 && world.itemSecond[i] != world.itemCategory[i]
          ? Vocabulary.CATEGORIES.get(world.itemSecond[i]) : null;
      String title = Vocabulary.title(c, world.brand[i], r);
      JsonArray cats = new JsonArray().add(c.name());
      if (second != null) {
        cats.add(second.name());
      }
      out.add(new JsonObject()
          .put("id", World.itemId(i))
          .put("title", title)
          .put("description", Vocabulary.description(c, second, title, world.priceTier[i], r))
          .put("categories", cats)
          .put("attributes", new JsonObject()
              .put("brand", world.brand[i])
              .put("price_tier", world.priceTier[i])
              .put("promoted", world.promoted[i])));
    }
    return out;
  }

  /** The users with their (observable) attributes. */
  public List<JsonObject> users() {
    List<JsonObject> out = new ArrayList<>(world.users());
    for (int u = 0; u < world.users(); u++) {
      out.add(new JsonObject()
          .put("id", World.userId(u))
          .put("attributes", new JsonObject()
              .put("home_category", Vocabulary.CATEGORIES.get(world.userHome[u]).name())
              .put("cohort", world.userRandom[u] ? "explore" : "standard")));
    }
    return out;
  }

  /** Every user's simulated events, user by user, as the store holds them. */
  public List<Event> events() {
    List<Event> out = new ArrayList<>();
    for (int u = 0; u < world.users(); u++) {
      for (JsonObject e : simulateUser(u).events()) {
        out.add(toEvent(e));
      }
    }
    return out;
  }

  /** Simulates all sessions of user u. */
  public UserLog simulateUser(int u) {
    SplittableRandom rng = new SplittableRandom(World.mix(world.seed(), 6, u));
    int ni = world.items();
    double[] affinity = world.affinities(u);
    double[] policy = world.policy(u, affinity);
    double[] policyCdf = cumulative(policy);
    double[] y0 = new double[ni];
    double[] tau = new double[ni];
    double[] rel = new double[ni];
    for (int i = 0; i < ni; i++) {
      rel[i] = world.relevanceAt(affinity[i], i);
      y0[i] = world.organicAt(rel[i], i);
      tau[i] = world.upliftAt(rel[i], i);
    }
    double organicRate = Arrays.stream(y0).sum();
    double[] organicCdf = cumulative(y0);
    double[] browseCdf = cumulative(world.awareness);

    int sessions = 1 + Poisson.draw(rng, (world.spec().sessionsMean() - 1) * world.userActivity[u]);
    long[] starts = new long[sessions];
    for (int s = 0; s < sessions; s++) {
      starts[s] = (long) (rng.nextDouble() * PERIOD_DAYS * 86_400L);
    }
    Arrays.sort(starts);

    List<JsonObject> events = new ArrayList<>();
    List<String> truth = new ArrayList<>();
    String user = World.userId(u);
    String surface = world.userRandom[u] ? "explore" : "home";
    int[] seq = {0};
    SplittableRandom intents = world.intents(u);
    for (int s = 0; s < sessions; s++) {
      long[] clock = {BASE_TIME.getEpochSecond() + starts[s]};
      if (world.spec().hasIntent()) { // this session's hidden intent moves what is shown and what is liked
        double eps = intents.nextGaussian();
        if (world.spec().policyIntentStrength() != 0 && !world.userRandom[u]) {
          policy = world.policy(u, affinity, eps);
          policyCdf = cumulative(policy);
        }
        for (int i = 0; i < ni; i++) {
          rel[i] = world.relevanceAt(affinity[i], i, eps);
          y0[i] = world.organicAt(rel[i], i);
          tau[i] = world.upliftAt(rel[i], i);
        }
        organicRate = Arrays.stream(y0).sum();
        organicCdf = cumulative(y0);
      }
      Set<Integer> slate = new LinkedHashSet<>();
      for (int k = 0; k < world.spec().slateSize(); k++) {
        slate.add(draw(policyCdf, rng));
      }
      int pos = 0;
      for (int i : slate) {
        double e = world.inclusion(policy[i]);
        JsonObject ctx = new JsonObject().put("position", pos).put("surface", surface).put("recommended", true)
            .put("propensity", e).put("model_version", LOGGING_POLICY);
        events.add(event(u, i, "impression", null, clock, seq, ctx));
        boolean clicked = rng.nextDouble() < examination(pos) * rel[i];
        boolean converted = rng.nextDouble() < y0[i] + tau[i];
        if (clicked || converted) {
          events.add(event(u, i, "click", null, clock, seq, ctx));
        }
        if (converted) {
          events.add(event(u, i, "purchase", null, clock, seq, ctx));
          maybeRate(u, i, rel[i], rng, clock, seq, events, ctx);
        }
        truth.add(truthRow(user, i, s, true, e, rel[i], y0[i], tau[i], clicked || converted, converted));
        pos++;
      }
      int organic = Poisson.draw(rng, organicRate);
      for (int k = 0; k < organic; k++) {
        int i = draw(organicCdf, rng);
        if (slate.contains(i)) {
          continue;
        }
        JsonObject ctx = new JsonObject().put("surface", "search").put("recommended", false);
        events.add(event(u, i, "click", null, clock, seq, ctx));
        events.add(event(u, i, "purchase", null, clock, seq, ctx));
        maybeRate(u, i, rel[i], rng, clock, seq, events, ctx);
        truth.add(truthRow(user, i, s, false, world.inclusion(policy[i]), rel[i], y0[i], tau[i], true, true));
      }
      int browse = Poisson.draw(rng, world.spec().browseRate());
      for (int k = 0; k < browse; k++) {
        int i = draw(browseCdf, rng);
        if (slate.contains(i) || rng.nextDouble() >= rel[i]) {
          continue;
        }
        JsonObject ctx = new JsonObject().put("surface", "browse").put("recommended", false);
        events.add(event(u, i, "click", null, clock, seq, ctx));
        truth.add(truthRow(user, i, s, false, world.inclusion(policy[i]), rel[i], y0[i], tau[i], true, false));
      }
    }
    return new UserLog(events, truth);
  }

  /**
   * One of this simulator's events as the ingest path stores it, for in-memory experiments that
   * skip the database (the simulator writes only valid events, so nothing needs checking).
   */
  public static Event toEvent(JsonObject o) {
    JsonObject ctx = o.getJsonObject("context");
    return new Event(null, o.getString("event_id"), o.getString("user_id"), o.getString("item_id"),
        o.getString("type"), o.getDouble("value"), Instant.parse(o.getString("timestamp")),
        ctx == null ? null : ctx.getInteger("position"), ctx == null ? null : ctx.getString("surface"),
        ctx == null ? null : ctx.getBoolean("recommended"), ctx == null ? null : ctx.getDouble("propensity"),
        ctx == null ? null : ctx.getString("model_version"));
  }

  /** Probability that a user examines the slot at {@code position} (0 = top). */
  static double examination(int position) {
    return Math.pow(1.0 / (position + 1), 0.7);
  }

  /** Maybe rates the item just bought; the rating carries the purchase's context (surface, position). */
  private void maybeRate(int u, int i, double rel, SplittableRandom rng, long[] clock, int[] seq,
      List<JsonObject> events, JsonObject ctx) {
    if (rng.nextDouble() < 0.5) {
      double stars = Math.max(1, Math.min(5, Math.round(1 + 4 * rel + 0.6 * rng.nextGaussian())));
      events.add(event(u, i, "rating", stars, clock, seq, ctx));
    }
  }

  private JsonObject event(int u, int i, String type, Double value, long[] clock, int[] seq, JsonObject ctx) {
    clock[0] += 3;
    JsonObject e = new JsonObject()
        .put("event_id", "sim-" + world.seed() + "-" + u + "-" + seq[0]++)
        .put("user_id", World.userId(u))
        .put("item_id", World.itemId(i))
        .put("type", type)
        .put("timestamp", Instant.ofEpochSecond(clock[0]).toString());
    if (value != null) {
      e.put("value", value);
    }
    if (ctx != null) {
      e.put("context", ctx.copy());
    }
    return e;
  }

  private static String truthRow(String user, int i, int session, boolean recommended, double propensity,
      double rel, double y0, double tau, boolean clicked, boolean converted) {
    return String.format(Locale.ROOT, "%s\t%s\t%d\t%d\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%d\t%d", user,
        World.itemId(i), session, recommended ? 1 : 0, propensity, rel, y0, y0 + tau, tau, clicked ? 1 : 0,
        converted ? 1 : 0);
  }

  private static double[] cumulative(double[] w) {
    double[] c = new double[w.length];
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += w[i];
      c[i] = s;
    }
    return c;
  }

  private static int draw(double[] cdf, SplittableRandom rng) {
    double x = rng.nextDouble() * cdf[cdf.length - 1];
    int k = Arrays.binarySearch(cdf, x);
    k = k >= 0 ? k : -k - 1;
    return Math.min(k, cdf.length - 1);
  }
}
