import Foundation
import IngestCore
@testable import IngestRuntime
import PostgresClient
import Testing

extension StackTests.DatabaseFaultsTests {
    @Test("a refusal only at commit (a DBA's deferred constraint trigger) is still searched to exactly the refused rows, a transaction per part")
    func aRefusalAtCommitIsSearchedPartByPart() throws {
        let dbURL = try migratedDatabase("deferred")
        try PostgresConnection(dbURL).execute("""
            CREATE FUNCTION no_sentinel_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.value = -999 THEN RAISE EXCEPTION 'sentinel value' USING ERRCODE = 'check_violation'; END IF;
                RETURN NEW;
            END $$;
            CREATE CONSTRAINT TRIGGER no_sentinel_at_commit AFTER INSERT OR UPDATE ON sensor_readings
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION no_sentinel_at_commit()
            """)
        let batch = Batch(tables: [Rows([reading("a", 1), reading("b", -999), reading("c", 3), reading("d", -999), reading("e", 5)])],
                          lastSequence: 7)
        let probe = WriterProbe(databaseURL: dbURL)
        probe.writer.submit(batch)
        probe.writer.finish()
        #expect(probe.settled == [7])
        #expect(value(dbURL, "SELECT string_agg(device, ',' ORDER BY device) FROM sensor_readings") == "a,c,e")
        #expect(value(dbURL, "SELECT count(*) FROM dead_letters WHERE reason_code = 'database_refused' AND reason LIKE '%sentinel value%'") == "2")
    }
}
