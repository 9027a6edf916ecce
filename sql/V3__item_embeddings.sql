-- CausalRec schema, version 3: item text embeddings (issue 5).
-- One sentence embedding per item, of the text "title. description. categories". text_hash tells
-- whether the text changed since; model names what computed the vector, so a change of model
-- re-embeds. item_updated_at is the items.updated_at the embedder read: an item updated later is
-- looked at again (and only re-embedded when its text hash differs).
CREATE TABLE item_embeddings (
    item_id          text COLLATE "C" PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    model            text        NOT NULL,
    text_hash        bytea       NOT NULL,
    dim              integer     NOT NULL CHECK (dim > 0),
    vector           bytea       NOT NULL CHECK (length(vector) = 4 * dim),  -- float32, little-endian
    item_updated_at  timestamptz NOT NULL,
    embedded_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- each node's in-memory index reads the rows written since the last it saw (with an overlap, since
-- writers commit out of order; rows are idempotent)
CREATE INDEX item_embeddings_embedded_at_idx ON item_embeddings (embedded_at);
CREATE INDEX items_updated_at_idx ON items (updated_at);
