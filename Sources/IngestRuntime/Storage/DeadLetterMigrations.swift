import IngestCore

/// Changes to `dead_letters` after version 1 created it (`SensorMigrations.readings`).
enum DeadLetterMigrations {
    /// Version 8 (released: never edit): each dead letter's identity (`DeadLetter.key`), unique,
    /// so that writing a dead letter again — a journal replayed after a crash, a batch retried
    /// after its commit was lost on the way back — stores it once (`ON CONFLICT (message_key)
    /// DO NOTHING`). Rows from before have no key (NULL, which never conflicts).
    static let messageKey = Migration(version: 8, name: "dead letter identity") { _, _ in
        """
        ALTER TABLE dead_letters ADD COLUMN message_key bigint;
        CREATE UNIQUE INDEX dead_letters_message_key_idx ON dead_letters (message_key);
        """
    }
}
