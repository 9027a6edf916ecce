package org.causalrec.feed;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.causalrec.ingest.EventBatch;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;
import org.causalrec.store.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live recommendation feed: each open WebSocket follows one user. On connect it gets
 * the current list; after each new event of that user from the event stream, the list is computed
 * again (the recommender's fold-in, micro-batched with every other user being scored) and pushed
 * with what changed. A user's lists are computed one at a time: events arriving meanwhile cause one
 * more computation, not one each. A socket whose client does not keep up holds at most one unsent
 * list, the newest (older ones are dropped: {@code seq} shows the gap), so memory per socket is
 * bounded. Pings every {@value #PING_MS} ms; a client silent for {@value #TIMEOUT_MS} ms is closed
 * with {@link #CLOSE_TIMEOUT}.
 */
public final class LiveFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
  /** Close codes: a bad query parameter (the reason names it). */
  public static final short CLOSE_BAD_PARAMETER = 4400;
  /** Close codes: no pong for {@link #TIMEOUT_MS}. */
  public static final short CLOSE_TIMEOUT = 4408;
  /** Close codes: the server is stopping. */
  public static final short CLOSE_GOING_AWAY = 1001;
  /** Close codes: the list could not be computed (the reason says why). */
  public static final short CLOSE_ERROR = 1011;
  static final long PING_MS = 20_000;
  static final long TIMEOUT_MS = 60_000;
  /** Longest list a socket may ask for. */
  public static final int MAX_N = 100;

  private final Vertx vertx;
  private final Context context;
  private final Recommender recommender;
  private final UpliftServing uplift;
  private final Map<String, Set<Subscription>> byUser = new ConcurrentHashMap<>();
  /**
   * Users whose list is being computed, each with the newest event that arrived meanwhile (null
   * for none): that one computation more follows, with it as the cause. On the context.
   */
  private final Map<String, Event> computing = new HashMap<>();
  private final long pinger;
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private final AtomicLong computed = new AtomicLong();

  /**
   * What a socket that names no objective follows: the recommendations' default order (by click
   * probability once a click model serves, by relevance before).
   */
  public static final String DEFAULT_OBJECTIVE = "default";

  public LiveFeed(Vertx vertx, Recommender recommender, UpliftServing uplift) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.recommender = recommender;
    this.uplift = uplift;
    this.pinger = vertx.setPeriodic(PING_MS, id -> pingAll());
  }

  /** One open socket. Fields other than the final ones are touched on the socket's context only. */
  static final class Subscription {
    final ServerWebSocket ws;
    final Context ctx;
    final String user;
    final int n;
    final String objective;
    final Outbox out;
    /** The ids last sent; written on the socket's context, read by the catalogue check on the feed's. */
    volatile List<String> last = List.of();
    long seq;
    volatile long lastPong = System.currentTimeMillis();

    Subscription(ServerWebSocket ws, Context ctx, String user, int n, String objective, Outbox out) {
      this.ws = ws;
      this.out = out;
      this.ctx = ctx;
      this.user = user;
      this.n = n;
      this.objective = objective;
    }
  }

  /**
   * Serves an accepted socket for {@code user}; {@code n} items, objective relevance, click, uplift or
   * {@link #DEFAULT_OBJECTIVE}
   * (validated by the caller). Call on the socket's context.
   */
  public void open(ServerWebSocket ws, String user, int n, String objective) {
    Subscription s = new Subscription(ws, vertx.getOrCreateContext(), user, n, objective,
        new Outbox(ws, pushed, coalesced));
    byUser.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(s);
    ws.pongHandler(b -> s.lastPong = System.currentTimeMillis());
    ws.closeHandler(v -> remove(s));
    ws.exceptionHandler(err -> LOG.debug("feed socket of {}: {}", user, err.getMessage()));
    // messages from the client are not part of the protocol; reading them keeps the socket flowing
    ws.textMessageHandler(t -> { });
    list(user, objective, n).onComplete(ar -> s.ctx.runOnContext(v -> {
      if (ar.succeeded()) {
        send(s, ar.result(), null);
      } else if (!ws.isClosed()) {
        ws.close(CLOSE_ERROR, reason(ar.cause().getMessage()));
      }
    }));
  }

  private void remove(Subscription s) {
    byUser.computeIfPresent(s.user, (u, set) -> {
      set.remove(s);
      return set.isEmpty() ? null : set;
    });
  }

  /**
   * Takes a batch of the stream once the feature store has applied it (so the lists recomputed
   * for its users see it): recomputes the lists of the users it touched who have a socket open.
   */
  public void accept(EventBatch batch) {
    context.runOnContext(v -> onEvents(batch));
  }

  private void onEvents(EventBatch batch) {
    Map<String, Event> latest = new LinkedHashMap<>();
    for (Event e : batch.events()) {
      if (byUser.containsKey(e.userId())) {
        latest.put(e.userId(), e);
      }
    }
    latest.forEach(this::recompute);
  }

  /**
   * The catalogue changed: the users whose sent list holds an item {@code visible} now refuses
   * (deleted, hidden, expired) get their lists again, with the cause {@code catalogue_change}.
   */
  public void catalogueChanged(java.util.function.Predicate<String> visible) {
    context.runOnContext(v -> {
      for (Map.Entry<String, Set<Subscription>> e : byUser.entrySet()) {
        if (e.getValue().stream().anyMatch(s -> s.last.stream().anyMatch(id -> !visible.test(id)))) {
          recompute(e.getKey(), CATALOGUE_CHANGE);
        }
      }
    });
  }

  /** The trigger of lists pushed because the catalogue changed. */
  private static final Event CATALOGUE_CHANGE = new Event(null, null, null, null, "catalogue_change", null, null,
      null, null, null, null, null);

  /** Computes the user's lists again, or marks the computation in flight to run once more. On the context. */
  private void recompute(String user, Event trigger) {
    if (computing.containsKey(user)) {
      computing.put(user, trigger);
      return;
    }
    Set<Subscription> subs = byUser.get(user);
    if (subs == null || subs.isEmpty()) {
      return;
    }
    computing.put(user, null);
    // one computation per objective, at the longest n asked for; each socket takes its prefix
    Map<String, Integer> longest = new HashMap<>();
    for (Subscription s : subs) {
      longest.merge(s.objective, s.n, Math::max);
    }
    List<Future<?>> all = new ArrayList<>();
    JsonObject cause = trigger == null ? null : trigger == CATALOGUE_CHANGE
        ? new JsonObject().put("type", trigger.type())
        : new JsonObject().put("event_id", trigger.eventId()).put("type", trigger.type())
            .put("item_id", trigger.itemId()).put("id", trigger.id());
    longest.forEach((objective, n) -> all.add(list(user, objective, n).onSuccess(result -> {
      for (Subscription s : subs) {
        if (s.objective.equals(objective)) {
          s.ctx.runOnContext(v -> send(s, result, cause));
        }
      }
    }).onFailure(err -> LOG.debug("feed of {} not recomputed: {}", user, err.getMessage()))));
    Future.join(all).onComplete(ar -> context.runOnContext(v -> {
      Event newer = computing.remove(user);
      if (newer != null) {
        recompute(user, newer);
      }
    }));
  }

  private Future<JsonObject> list(String user, String objective, int n) {
    computed.incrementAndGet();
    return objective.equals("uplift") ? uplift.recommend(user, n, Set.of())
        : recommender.recommend(new Recommender.Query(user, n, 0, null, Set.of(),
            objective.equals(DEFAULT_OBJECTIVE) ? null : objective, null, null));
  }

  /** Builds this socket's message from {@code result} and writes it, or keeps it as the one pending. */
  private void send(Subscription s, JsonObject result, JsonObject cause) {
    if (s.ws.isClosed()) {
      return;
    }
    JsonArray items = new JsonArray();
    List<String> ids = new ArrayList<>();
    JsonArray all = result.getJsonArray("items");
    for (int k = 0; k < Math.min(s.n, all.size()); k++) {
      JsonObject it = all.getJsonObject(k);
      items.add(it);
      ids.add(it.getString("id"));
    }
    JsonObject changes = changes(s.last, ids);
    s.last = ids;
    s.seq++;
    String msg = new JsonObject().put("type", "recommendations").put("user", s.user).put("seq", s.seq)
        .put("objective", result.getString("objective", s.objective))
        .put("model_version", result.getString("model_version"))
        .put("items", items).put("changes", changes).put("cause", cause).encode();
    s.out.offer(msg);
  }

  /** What changed from {@code before} to {@code after}: entered, left, and moved (from, to). */
  static JsonObject changes(List<String> before, List<String> after) {
    Map<String, Integer> was = new HashMap<>();
    for (int k = 0; k < before.size(); k++) {
      was.put(before.get(k), k);
    }
    Set<String> now = new HashSet<>(after);
    JsonArray entered = new JsonArray();
    JsonArray moved = new JsonArray();
    for (int k = 0; k < after.size(); k++) {
      Integer from = was.get(after.get(k));
      if (from == null) {
        entered.add(after.get(k));
      } else if (from != k) {
        moved.add(new JsonObject().put("id", after.get(k)).put("from", from).put("to", k));
      }
    }
    JsonArray left = new JsonArray();
    for (String id : before) {
      if (!now.contains(id)) {
        left.add(id);
      }
    }
    return new JsonObject().put("entered", entered).put("left", left).put("moved", moved);
  }

  private void pingAll() {
    long now = System.currentTimeMillis();
    for (Set<Subscription> subs : byUser.values()) {
      for (Subscription s : subs) {
        s.ctx.runOnContext(v -> {
          if (s.ws.isClosed()) {
            return;
          }
          if (now - s.lastPong > TIMEOUT_MS) {
            s.ws.close(CLOSE_TIMEOUT, "no pong for " + TIMEOUT_MS / 1000 + " s");
          } else {
            s.ws.writePing(Buffer.buffer("ping"));
          }
        });
      }
    }
  }

  /** A close reason fits in 123 bytes. */
  static String reason(String detail) {
    String r = detail == null ? "error" : detail;
    return r.length() > 120 ? r.substring(0, 120) : r;
  }

  /** {@code {"sockets", "users", "pushed", "coalesced", "computed"}}. */
  public JsonObject status() {
    int sockets = 0;
    for (Set<Subscription> s : byUser.values()) {
      sockets += s.size();
    }
    return new JsonObject().put("sockets", sockets).put("users", byUser.size()).put("pushed", pushed.get())
        .put("coalesced", coalesced.get()).put("computed", computed.get());
  }

  /** Closes every socket with {@link #CLOSE_GOING_AWAY}. */
  @Override
  public void close() {
    vertx.cancelTimer(pinger);
    for (Set<Subscription> subs : byUser.values()) {
      for (Subscription s : subs) {
        s.ctx.runOnContext(v -> {
          if (!s.ws.isClosed()) {
            s.ws.close(CLOSE_GOING_AWAY, "server stopping");
          }
        });
      }
    }
  }
}
