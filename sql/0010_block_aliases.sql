-- A block the person did not make by naming the other's id (a panic exit from an anonymous
-- conversation, a moderator's action) shows that person by an alias of its own: the block list
-- and the data export must never tell who an anonymous peer was.
ALTER TABLE blocks
    ADD COLUMN blocked_alias CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL
        AFTER blocked_user_id,
    ADD UNIQUE KEY uq_blocks_alias (blocked_alias);

UPDATE blocks SET blocked_alias = UUID() WHERE source <> 'manual';
