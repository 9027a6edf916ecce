-- CausalRec schema, version 1: the event store and the catalogue.
-- Events are the source of truth; the tailer reads them by id from a persisted cursor.
-- Identifiers are compared byte-wise (COLLATE "C"): they are keys, not words, and byte-wise
-- comparison keeps their indexes fast whatever the database's locale is.

CREATE TABLE users (
    id          text COLLATE "C" PRIMARY KEY,
    attributes  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE items (
    id           text COLLATE "C" PRIMARY KEY,
    title        text        NOT NULL DEFAULT '',
    description  text        NOT NULL DEFAULT '',
    categories   text[]      NOT NULL DEFAULT '{}',
    attributes   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_categories_idx ON items USING gin (categories);

-- id: server order (identity). Concurrent writers may commit ids out of order; every writer calls
-- pg_current_xact_id() before inserting, so the tailer can tell a gap still owned by a transaction
-- in flight from a permanent one (see EventTailer).
CREATE TABLE events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text COLLATE "C" UNIQUE,
    user_id        text COLLATE "C" NOT NULL,
    item_id        text COLLATE "C" NOT NULL,
    type           text             NOT NULL,
    value          double precision,
    ts             timestamptz      NOT NULL,
    position       integer,
    surface        text,
    recommended    boolean,
    propensity     double precision,
    model_version  text,
    received_at    timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX events_user_idx ON events (user_id, id DESC);

-- One row per consumer of the event stream: the last event id it has fully processed.
CREATE TABLE stream_cursors (
    name        text PRIMARY KEY,
    last_id     bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One notification per insert statement (not per row): it only wakes the tailer.
CREATE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('causalrec_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
