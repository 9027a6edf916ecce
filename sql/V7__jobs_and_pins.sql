-- CausalRec schema, version 7: background jobs (training and evaluation runs an API call started)
-- and the model version an operator pinned per kind.

-- One row per job: what it was asked, how far it got, what it produced. A job still 'running' when
-- its node starts again was interrupted by the stop.
CREATE TABLE jobs (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    params       jsonb NOT NULL DEFAULT '{}'::jsonb,
    progress     jsonb,
    result       jsonb,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);

-- A pinned kind serves this version on every node and after restarts, whatever is trained later,
-- until the pin is removed.
CREATE TABLE model_pins (
    kind       text COLLATE "C" PRIMARY KEY,
    version    text COLLATE "C" NOT NULL REFERENCES models (version),
    pinned_at  timestamptz NOT NULL DEFAULT now()
);
