package org.causalrec.ingest;

import org.causalrec.core.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.causalrec.config.EventTypes;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.Event;
import org.causalrec.store.EventRepository;
import org.causalrec.store.Item;
import org.causalrec.store.User;

/**
 * The one write path for events, items and users (REST, importers and the simulator all use it):
 * validates a whole batch first, then stores it in one transaction, so a batch is all or nothing.
 */
public final class IngestService {

  /**
   * What an event batch did.
   *
   * @param received events in the request
   * @param accepted events stored now
   * @param duplicateEventIds event ids already stored (or repeated in the request)
   * @param unknownItemEvents stored events whose item is not (yet) in the catalogue
   */
  public record EventsResult(int received, int accepted, List<String> duplicateEventIds, int unknownItemEvents) {

    /** The response body of {@code POST /v1/events}. */
    public JsonObject toJson() {
      return new JsonObject()
          .put("received", received)
          .put("accepted", accepted)
          .put("duplicates", duplicateEventIds.size())
          .put("duplicate_event_ids", new JsonArray(new ArrayList<Object>(duplicateEventIds)))
          .put("unknown_item_events", unknownItemEvents);
    }
  }

  private final EventRepository events;
  private final CatalogRepository catalog;
  private final EventParser eventParser;
  private final int maxBatch;
  private final int maxPending;
  private final Clock clock;
  /** Events taken for writing whose transaction has not ended yet. */
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong overloadedTotal = new AtomicLong();
  private final AtomicLong rejectedTotal = new AtomicLong();
  private final AtomicLong acceptedTotal = new AtomicLong();
  private final AtomicLong duplicatesTotal = new AtomicLong();
  private final AtomicLong unknownItemTotal = new AtomicLong();
  private final List<Consumer<List<Event>>> committed = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * The write path of an opened store with the configured event types and batch limit: event
   * batches are written with COPY (duplicates through the insert that skips them).
   */
  public static IngestService on(org.causalrec.store.StoreHandle store, org.causalrec.config.Config config) {
    return new IngestService(new EventRepository(store.pool(), store.copy()), new CatalogRepository(store.pool()),
        config.eventTypes(), config.maxEventsPerRequest(), config.maxPendingEvents(), Clock.systemUTC());
  }

  /** The write path over {@code pool} alone (every batch through the insert that skips duplicates). */
  public static IngestService on(io.vertx.sqlclient.Pool pool, org.causalrec.config.Config config) {
    return new IngestService(new EventRepository(pool), new CatalogRepository(pool), config.eventTypes(),
        config.maxEventsPerRequest(), config.maxPendingEvents(), Clock.systemUTC());
  }

  /**
   * The write path over {@code events} and {@code catalog}: at most {@code maxBatch} records a
   * request, at most {@code maxPending} events waiting for their commit (a request arriving when
   * none waits is always taken).
   */
  public IngestService(EventRepository events, CatalogRepository catalog, EventTypes types, int maxBatch,
      int maxPending, Clock clock) {
    this.events = events;
    this.catalog = catalog;
    this.eventParser = new EventParser(types);
    this.maxBatch = maxBatch;
    this.maxPending = maxPending;
    this.clock = clock;
  }

  /**
   * Calls {@code listener} with the events of every batch this service stored, with their server
   * ids, once the transaction has committed and before the request is answered: how the node that
   * accepted an event sees it in its own next answer without asking the database.
   */
  public void onCommitted(Consumer<List<Event>> listener) {
    committed.add(listener);
  }

  /** Counts an event request refused before it reached this service (a body that is not JSON). */
  public void countRejected() {
    rejectedTotal.incrementAndGet();
  }

  /**
   * Fails with 503 {@code overloaded} when the write queue is full: called before a request body is
   * decoded, so a refused request costs little.
   */
  public void checkCapacity() {
    if (pending.get() >= maxPending) {
      throw overloaded();
    }
  }

  /** Validates every event, then stores them all or none; 503 {@code overloaded} when the write queue is full. */
  public Future<EventsResult> ingestEvents(JsonArray raw) {
    List<Event> parsed;
    try {
      checkSize(raw.size(), "events");
      Instant now = clock.instant();
      parsed = parseAll(raw, "invalid_event", (o, k) -> eventParser.parse(o, now));
    } catch (ApiException e) {
      rejectedTotal.incrementAndGet();
      return Future.failedFuture(e);
    }
    try {
      take(parsed.size());
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    int n = parsed.size();
    Future<EventsResult> stored;
    try {
      stored = store(parsed, raw.size());
    } catch (RuntimeException e) { // the room taken is given back whatever happens
      pending.addAndGet(-n);
      return Future.failedFuture(e);
    }
    return stored.onComplete(r -> pending.addAndGet(-n));
  }

  /**
   * Validates events as {@link #ingestEvents} does, storing nothing (what the validation alone costs,
   * for benchmarks); throws the same 400 for the first invalid one.
   */
  public static List<Event> parseOnly(JsonArray raw, EventTypes types) {
    EventParser parser = new EventParser(types);
    Instant now = Instant.now();
    return parseAll(raw, "invalid_event", (o, k) -> parser.parse(o, now));
  }

  /** Reserves room for {@code n} events in the write queue, or fails with 503 {@code overloaded}. */
  private void take(int n) {
    while (true) {
      long now = pending.get();
      if (now > 0 && now + n > maxPending) {
        throw overloaded();
      }
      if (pending.compareAndSet(now, now + n)) {
        return;
      }
    }
  }

  private ApiException overloaded() {
    overloadedTotal.incrementAndGet();
    return ApiException.overloaded(1, "the write queue is full (" + maxPending
        + " events waiting for their commit); nothing from this request was stored, send it again");
  }

  private Future<EventsResult> store(List<Event> parsed, int received) {
    return events.insert(parsed).map(r -> {
      acceptedTotal.addAndGet(r.accepted());
      duplicatesTotal.addAndGet(r.duplicateEventIds().size());
      unknownItemTotal.addAndGet(r.unknownItemEvents());
      if (!r.stored().isEmpty()) {
        for (Consumer<List<Event>> l : committed) {
          try {
            l.accept(r.stored());
          } catch (RuntimeException e) { // stored is stored: the stream delivers them to the features anyway
            org.slf4j.LoggerFactory.getLogger(IngestService.class).warn("a commit listener failed: {}", e.toString());
          }
        }
      }
      return new EventsResult(received, r.accepted(), r.duplicateEventIds(), r.unknownItemEvents());
    });
  }

  /** Validates and upserts a batch of items, all or none. */
  public Future<Integer> upsertItems(JsonArray raw) {
    try {
      checkSize(raw.size(), "items");
      return catalog.upsertItems(parseAll(raw, "invalid_item", (o, k) -> CatalogParser.item(o, null)));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  /** Validates and upserts one item whose id comes from the path. */
  public Future<Item> upsertItem(String id, JsonObject raw) {
    try {
      Item item = CatalogParser.item(raw, id);
      return catalog.upsertItem(item);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Changes the fields {@code patch} names of a stored item, validated as a whole; null when there
   * is no such item. A concurrent change is read again and the patch applied to it (three tries,
   * then 409 {@code conflict}).
   */
  public Future<Item> patchItem(String id, JsonObject patch) {
    return patchItem(id, patch, 3);
  }

  private Future<Item> patchItem(String id, JsonObject patch, int tries) {
    return catalog.item(id).compose(stored -> {
      if (stored == null) {
        return Future.succeededFuture(null);
      }
      Item merged;
      try {
        JsonObject o = stored.toJson();
        o.remove("created_at");
        o.remove("updated_at");
        merged = CatalogParser.item(o.mergeIn(patch), id);
      } catch (ApiException e) {
        return Future.failedFuture(e);
      }
      return catalog.replaceItemIf(merged, stored.updatedAt()).compose(done -> {
        if (done != null) {
          return Future.succeededFuture(done);
        }
        return tries > 1 ? patchItem(id, patch, tries - 1) : Future.failedFuture(ApiException.conflict(
            "conflict", "id", "item '" + id + "' kept changing while it was patched; send the patch again"));
      });
    });
  }

  /** Validates and upserts a batch of users, all or none. */
  public Future<Integer> upsertUsers(JsonArray raw) {
    try {
      checkSize(raw.size(), "users");
      return catalog.upsertUsers(parseAll(raw, "invalid_user", (o, k) -> CatalogParser.user(o, null)));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  /** Validates and upserts one user whose id comes from the path. */
  public Future<User> upsertUser(String id, JsonObject raw) {
    try {
      User user = CatalogParser.user(raw, id);
      return catalog.upsertUser(user);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Events stored, duplicates refused and unknown-item events stored since start; events waiting for
   * their commit now; requests refused as overloaded and requests refused as invalid since start.
   */
  public JsonObject counters() {
    return new JsonObject()
        .put("events_accepted", acceptedTotal.get())
        .put("duplicates", duplicatesTotal.get())
        .put("unknown_item_events", unknownItemTotal.get())
        .put("pending_events", pending.get())
        .put("overloaded_requests", overloadedTotal.get())
        .put("rejected_requests", rejectedTotal.get());
  }

  private void checkSize(int n, String what) {
    if (n > maxBatch) {
      throw ApiException.tooLarge("too_many_records", what,
          n + " " + what + " in one request; the limit is " + maxBatch);
    }
  }

  private static <T> List<T> parseAll(JsonArray raw, String error, BiFunction<Object, Integer, T> parser) {
    List<T> out = new ArrayList<>(raw.size());
    for (int k = 0; k < raw.size(); k++) {
      try {
        out.add(parser.apply(raw.getValue(k), k));
      } catch (ApiException e) {
        throw e.at(k, error);
      }
    }
    return out;
  }

  /**
   * Reads a request body holding records: a JSON array, an object with the array under
   * {@code arrayField}, or NDJSON (one object a line) when {@code ndjson} is true.
   */
  public static JsonArray parseRecords(Buffer body, boolean ndjson, String arrayField) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("invalid_body", arrayField, "the request body is empty");
    }
    if (ndjson) {
      return parseNdjson(body.toString());
    }
    Object v;
    try {
      v = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw ApiException.badRequest("invalid_json", null, "body is not valid JSON: " + e.getMessage());
    }
    if (v instanceof JsonArray a) {
      return a;
    }
    if (v instanceof JsonObject o && o.getValue(arrayField) instanceof JsonArray a) {
      return a;
    }
    throw ApiException.badRequest("invalid_body", arrayField,
        "body must be a JSON array or an object with an array '" + arrayField + "'");
  }

  private static JsonArray parseNdjson(String text) {
    JsonArray out = new JsonArray();
    int line = 0;
    for (String l : text.split("\n", -1)) {
      line++;
      if (l.isBlank()) {
        continue;
      }
      try {
        out.add(new JsonObject(l));
      } catch (DecodeException e) {
        throw ApiException.badRecord("invalid_json", null, out.size(),
            "line " + line + " is not a JSON object: " + e.getMessage());
      }
    }
    return out;
  }
}
