-- Every chat message is written into each index of conversation_messages by the one message
-- writer (MessageWriter), whose transaction every message waits for; at 5,000 messages a second
-- that writer is what sets the chat's latency (docs/performance.md, "The chat relay"). Two of the
-- six indexes and one foreign key cost it work on every row and serve no query that needs them:
-- - ix_messages_conversation_created: a conversation's messages are read by seq
--   (uq_messages_conversation_seq); the report view's "messages around a time" walks that
--   index too, and a chat lasts at most 30 minutes.
-- - fk_messages_sender and its index ix_messages_sender_created: users are never deleted (an
--   account is erased in place), and the sender is checked to be one of the conversation's two
--   participants before the row is written, so the key only made each insert look up and
--   share-lock the sender's users row. The data export finds a person's messages through
--   their conversations (uq_messages_client_msg starts with conversation and sender).
ALTER TABLE conversation_messages
    DROP FOREIGN KEY fk_messages_sender,
    DROP KEY ix_messages_sender_created,
    DROP KEY ix_messages_conversation_created;
