import PostgresClient

/// The role the daemon connects as (`database.url`), looked at once at start: it should be a
/// login granted `ingestd_writer`, and neither a superuser nor the owner of ingestd's tables
/// (a fault in the daemon could then alter or drop them).
public struct DaemonRole: Equatable, Sendable {
    /// `current_user`.
    public var name: String
    public var isSuperuser: Bool
    /// It owns `sensor_readings`, or may act as the role that does.
    public var ownsTables: Bool
    /// It has the privileges of `ingestd_writer`.
    public var isWriter: Bool

    public init(name: String, isSuperuser: Bool, ownsTables: Bool, isWriter: Bool) {
        self.name = name
        self.isSuperuser = isSuperuser
        self.ownsTables = ownsTables
        self.isWriter = isWriter
    }

    /// The session's role on `connection`.
    public static func inspect(_ connection: PostgresConnection) throws(PostgresError) -> DaemonRole {
        let row = try connection.execute("""
            SELECT current_user, r.rolsuper,
                   coalesce((SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c
                             WHERE c.relnamespace = 'public'::regnamespace AND c.relname = 'sensor_readings'), false),
                   EXISTS (SELECT 1 FROM pg_roles w WHERE w.rolname = 'ingestd_writer'
                           AND pg_has_role(current_user, w.oid, 'USAGE'))
            FROM pg_roles r WHERE r.rolname = current_user
            """)
        return DaemonRole(name: row.value(0, 0) ?? "?", isSuperuser: row.value(0, 1) == "t",
                          ownsTables: row.value(0, 2) == "t", isWriter: row.value(0, 3) == "t")
    }

    /// What to tell the operator at start, or nil when the role is what it should be.
    public var warning: String? {
        let fix = "give the daemon a login granted ingestd_writer (CREATE ROLE ingestd LOGIN IN ROLE ingestd_writer) as database.url, and the owner's login as database.owner_url (migrations and storage policies connect as that)"
        if isSuperuser || ownsTables {
            let what = isSuperuser ? "a superuser" : "the owner of ingestd's tables"
            return "the daemon connects to the database as '\(name)', \(what): a fault in it could alter or drop any table; \(fix)"
        }
        if !isWriter {
            return "the daemon connects to the database as '\(name)', which is not granted ingestd_writer: writes will be refused (permission denied) and retried; GRANT ingestd_writer TO \(name)"
        }
        return nil
    }
}
