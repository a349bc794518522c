ALTER TABLE dead_letters ADD COLUMN message_key bigint;
CREATE UNIQUE INDEX dead_letters_message_key_idx ON dead_letters (message_key);