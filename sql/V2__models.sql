-- CausalRec schema, version 2: the model registry.
-- One row per trained (or training, or failed) model version; the artifact lives under
-- DATA_DIR/models/<version>/. Serving loads the newest 'ready' version of each kind.
CREATE TABLE models (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text COLLATE "C" NOT NULL,
    version       text COLLATE "C" NOT NULL UNIQUE,
    status        text NOT NULL CHECK (status IN ('training', 'ready', 'failed')),
    params        jsonb NOT NULL DEFAULT '{}'::jsonb,
    metrics       jsonb NOT NULL DEFAULT '{}'::jsonb,
    max_event_id  bigint,
    artifact      text,
    device        text,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX models_kind_idx ON models (kind, id DESC);
