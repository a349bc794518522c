import PostgresClient

/// What a database's schema is, as sorted lines read from the catalogs: every table, view,
/// sequence and function of ingestd's in `public` (an extension's are left out) with its
/// owner and grants, columns and types, constraints, indexes, triggers, view and function
/// definitions with their settings; the grants on the schema and the database; and on
/// TimescaleDB the hypertables, their dimensions, the continuous aggregates and the jobs.
/// Two databases with the same lines have the same schema; rows are not compared.
enum SchemaSnapshot {
    static func lines(_ db: PostgresConnection) throws -> [String] {
        func acl(_ column: String) -> String {
            """
            coalesce((SELECT string_agg(g, ',' ORDER BY g) FROM (
                SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ':' || a.privilege_type
                       || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS g
                FROM aclexplode(\(column)) a) x), 'default')
            """
        }
        let ours = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = %@.oid AND d.deptype = 'e')"
        func notExtension(_ alias: String) -> String { ours.replacingOccurrences(of: "%@", with: alias) }
        var queries = [
            """
            SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text || ' owner=' || pg_get_userbyid(c.relowner)
                   || ' partition=' || c.relispartition || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
                   || ' acl=' || \(acl("c.relacl"))
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND \(notExtension("c"))
            """,
            """
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                   || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '') || ' position=' || a.attnum
                   || coalesce(' acl=' || \(acl("a.attacl")), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND a.attnum > 0 AND NOT a.attisdropped AND \(notExtension("c"))
            """,
            """
            SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE c.relnamespace = 'public'::regnamespace AND \(notExtension("c"))
            """,
            """
            SELECT 'index ' || i.indexname || ' ' || i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = (quote_ident(i.schemaname) || '.' || quote_ident(i.tablename))::regclass AND d.deptype = 'e')
            """,
            """
            SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid)
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm') AND \(notExtension("c"))
            """,
            """
            SELECT 'trigger ' || c.relname || '.' || t.tgname || ' ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal AND \(notExtension("c"))
            """,
            """
            SELECT 'function ' || p.oid::regprocedure::text || ' owner=' || pg_get_userbyid(p.proowner)
                   || ' security_definer=' || p.prosecdef || ' config=' || coalesce(array_to_string(p.proconfig, ';'), '')
                   || ' acl=' || \(acl("p.proacl")) || E'\\n' || pg_get_functiondef(p.oid)
            FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p') AND \(notExtension("p"))
            """,
            """
            SELECT 'schema public owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || \(acl("n.nspacl"))
            FROM pg_namespace n WHERE n.nspname = 'public'
            """,
            """
            SELECT 'database owner=' || pg_get_userbyid(d.datdba) || ' acl=' || \(acl("d.datacl"))
            FROM pg_database d WHERE d.datname = current_database()
            """,
            "SELECT 'migration ' || version || ' ' || name || ' ' || layout FROM ingestd_migrations",
        ]
        let timescale = try db.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')").value(0, 0) == "t"
        if timescale {
            queries += [
                """
                SELECT 'hypertable ' || hypertable_name || ' owner=' || owner || ' dimensions=' || num_dimensions
                       || ' compression=' || compression_enabled
                FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'
                """,
                """
                SELECT 'dimension ' || hypertable_name || '.' || column_name || ' ' || coalesce(time_interval::text, '')
                FROM timescaledb_information.dimensions WHERE hypertable_schema = 'public'
                """,
                """
                SELECT 'continuous aggregate ' || view_name || ' materialized_only=' || materialized_only
                       || ' compression=' || compression_enabled || ' ' || view_definition
                FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'public'
                """,
                """
                SELECT 'job ' || proc_name || ' on ' || coalesce(hypertable_name, '') || ' every ' || schedule_interval
                       || ' ' || coalesce(config::text, '')
                FROM timescaledb_information.jobs WHERE job_id >= 1000
                """,
            ]
        }
        var lines: [String] = []
        for sql in queries {
            lines += try db.execute(sql).rows.map { $0[0] ?? "NULL" }
        }
        return lines.sorted()
    }
}
