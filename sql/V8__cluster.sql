-- CausalRec schema, version 8: several nodes over one database. Model artifacts live here, so no
-- node needs another's disk; jobs and training runs name the node that runs them, so a node that
-- starts again marks only its own leftovers as interrupted, and jobs carry their node's heartbeat.

-- One row per file of a ready version's artifact folder (its path inside the folder).
CREATE TABLE model_files (
    version  text COLLATE "C" NOT NULL REFERENCES models (version) ON DELETE CASCADE,
    name     text COLLATE "C" NOT NULL,
    size     bigint NOT NULL CHECK (size >= 0),
    sha256   text NOT NULL,
    PRIMARY KEY (version, name)
);

-- A file's bytes in chunks (at most a few MiB each: no row holds a whole large model).
CREATE TABLE model_file_chunks (
    version  text COLLATE "C" NOT NULL,
    name     text COLLATE "C" NOT NULL,
    seq      integer NOT NULL CHECK (seq >= 0),
    data     bytea NOT NULL,
    PRIMARY KEY (version, name, seq),
    FOREIGN KEY (version, name) REFERENCES model_files (version, name) ON DELETE CASCADE
);
-- chunks are written once and read whole: not worth compressing (float weights barely compress)
ALTER TABLE model_file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE models ADD COLUMN node text;
ALTER TABLE jobs ADD COLUMN node text;
-- a running job's node says it is alive every few seconds; a job whose node went silent (died and
-- never came back) is marked interrupted by any node still up
ALTER TABLE jobs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
