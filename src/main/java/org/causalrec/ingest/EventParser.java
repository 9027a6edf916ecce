package org.causalrec.ingest;

import org.causalrec.core.ApiException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.DateTimeException;
import org.causalrec.config.EventTypes;
import org.causalrec.store.Event;

/** Turns one JSON event into a valid {@link Event}, or fails with a 400 naming the field. */
final class EventParser {

  static final int MAX_ID_LENGTH = 256;
  /** Events must fall between 1973 and 2200: anything else is a unit mistake (seconds vs ms). */
  private static final Instant MIN_TS = Instant.ofEpochMilli(100_000_000_000L);
  private static final Instant MAX_TS = Instant.parse("2200-01-01T00:00:00Z");

  private final EventTypes types;

  EventParser(EventTypes types) {
    this.types = types;
  }

  Event parse(Object raw, Instant now) {
    if (!(raw instanceof JsonObject o)) {
      throw ApiException.badField("", "each event must be a JSON object");
    }
    String eventId = Fields.optionalString(o, "event_id", 128);
    String user = Fields.requiredString(o, "user_id", MAX_ID_LENGTH);
    String item = Fields.requiredString(o, "item_id", MAX_ID_LENGTH);
    String typeName = Fields.requiredString(o, "type", 64);
    EventTypes.Type type = types.get(typeName);
    if (type == null) {
      throw ApiException.badField("type",
          "type '" + typeName + "' is not configured; accepted: " + String.join(", ", types.names()));
    }
    Double value = Fields.optionalNumber(o, "value");
    if (value == null && type.valueRequired()) {
      throw ApiException.badField("value", "value is required for type " + typeName);
    }
    Instant ts = timestamp(o.getValue("timestamp"), now);

    Integer position = null;
    String surface = null;
    Boolean recommended = null;
    Double propensity = null;
    String model = null;
    JsonObject ctx = Fields.optionalObject(o, "context");
    if (ctx != null) {
      try {
        position = Fields.optionalInt(ctx, "position", 0, 1_000_000);
        surface = Fields.optionalString(ctx, "surface", 64);
        recommended = Fields.optionalBoolean(ctx, "recommended");
        propensity = Fields.optionalNumber(ctx, "propensity");
        if (propensity != null && !(propensity > 0.0 && propensity <= 1.0)) {
          throw ApiException.badField("propensity", "propensity must be in (0, 1]");
        }
        model = Fields.optionalString(ctx, "model_version", 128);
      } catch (ApiException e) {
        throw Fields.nested("context", e);
      }
    }
    return new Event(null, eventId, user, item, typeName, value, ts, position, surface, recommended,
        propensity, model);
  }

  private static Instant timestamp(Object v, Instant now) {
    if (v == null) {
      return now;
    }
    Instant ts;
    if (v instanceof Number n) {
      double ms = n.doubleValue();
      if (ms != Math.rint(ms) || ms < MIN_TS.toEpochMilli() || ms > MAX_TS.toEpochMilli()) {
        throw ApiException.badField("timestamp", "a numeric timestamp must be whole epoch milliseconds"
            + " between 1973 and 2200 (epoch seconds are a common mistake: multiply by 1000)");
      }
      ts = Instant.ofEpochMilli((long) ms);
    } else if (v instanceof String s) {
      try {
        ts = IsoInstant.parse(s);
      } catch (DateTimeException e) {
        throw ApiException.badField("timestamp",
            "timestamp must be ISO-8601 with an offset (2026-01-31T12:00:00Z) or epoch milliseconds");
      }
    } else {
      throw ApiException.badField("timestamp", "timestamp must be a string or a number");
    }
    if (ts.isBefore(MIN_TS) || ts.isAfter(MAX_TS)) {
      throw ApiException.badField("timestamp", "timestamp must be between 1973 and 2200");
    }
    return ts;
  }
}
