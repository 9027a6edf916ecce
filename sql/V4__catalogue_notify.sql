-- CausalRec schema, version 4: every change to the catalogue wakes the serving nodes, which keep
-- it in memory (a deleted item must leave every node's recommendations at once). One notification
-- per statement, without a payload: a node reloads, so a dropped notification is repaired by the
-- next one or by the periodic reload.
CREATE FUNCTION notify_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('causalrec_catalogue', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER items_notify
    AFTER INSERT OR UPDATE OR DELETE ON items
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue();
