-- Receipts find their message by carrier message id among the partitions that can hold a submitted one
-- (carrier_message_id = … AND id >= the receipt floor, ADR 37). With only (carrier_message_id) indexed, the planner, on
-- statistics taken while a partition was small (a lane campaign's partition filling up, no ANALYZE since), combined that
-- index with a range scan of the primary key from the floor (a BitmapAnd): every receipt read the whole partition's key
-- range. Seen in the send API benchmark: 57 receipt statements averaged 711 ms (up to 9.4 s for ~3,900 receipts) and
-- the messages' final states trailed the sending by tens of seconds. One index on both columns answers both conditions.
-- On an existing installation this builds the index on every partition of campaigns.messages under a lock that holds
-- writes to it for the build (docs/operations.md).
CREATE INDEX messages_carrier_id_and_id ON campaigns.messages (carrier_message_id, id) WHERE carrier_message_id IS NOT NULL;
DROP INDEX campaigns.messages_carrier_id;
