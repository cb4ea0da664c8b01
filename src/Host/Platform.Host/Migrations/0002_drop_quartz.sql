-- Hangfire replaced Quartz.NET (issue #13, ADR 14): Quartz's tables (provisioned by Quartz itself, qrtz_*) go. Every
-- host must run the new version before this runs (docs/operations.md): an old host would recreate them.
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT schemaname, tablename FROM pg_tables WHERE tablename LIKE 'qrtz\_%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', t.schemaname, t.tablename);
    END LOOP;
END $$;
