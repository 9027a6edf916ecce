-- CausalRec schema, version 6: an item can be hidden (kept, with its events, but never recommended,
-- listed as similar or found) or given an expiry time after which the same holds.
ALTER TABLE items
    ADD COLUMN hidden     boolean     NOT NULL DEFAULT false,
    ADD COLUMN expires_at timestamptz;
