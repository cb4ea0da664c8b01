#!/usr/bin/env bash
# The per-recipient report's queries (Campaigns/Features/Reports/RecipientReport.cs) on a table of 2,000,000 messages:
# another campaign's 1,000,000 first, then the measured campaign's 1,000,000 (5% failed, 3% without receipt), as a
# long-lived installation has them. Prints milliseconds for: first page, a middle page, the last page (status "all",
# eight ranges merged), a number search, failure reasons grouped, and one CSV batch of 5,000, three runs each, with the
# generic plan the app's prepared statements end up with; each row's clicks as the page reads them. Usage: bash tests/Benchmarks/recipient-report.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/postgres.sh
ensure_postgres >/dev/null
db=report_bench
su postgres -c "psql -qAtc 'DROP DATABASE IF EXISTS $db'" >/dev/null
su postgres -c "psql -qAtc 'CREATE DATABASE $db'" >/dev/null
su postgres -c "psql -q $db" >/dev/null <<'SQL'
CREATE SCHEMA campaigns;
CREATE TABLE campaigns.messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, campaign_id uuid NOT NULL, company_id uuid NOT NULL, phone text NOT NULL,
    country text NOT NULL, time_zone text NOT NULL, first_name text NULL, body text NULL, api_id uuid NULL, state smallint NOT NULL DEFAULT 0,
    attempts smallint NOT NULL DEFAULT 0, segments smallint NOT NULL DEFAULT 0, not_before timestamptz NOT NULL, claimed_at timestamptz NULL,
    carrier_instance text NULL, carrier_message_id text NULL, error text NULL, submitted_at timestamptz NULL, finished_at timestamptz NULL);
INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, first_name, state, segments, not_before, submitted_at, finished_at)
SELECT '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000aa', '+4477' || lpad(i::text, 8, '0'), 'GB', 'Europe/London', 'Ann' || i, 3, 1, now(), now(), now()
FROM generate_series(1, 1000000) i;
INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, first_name, state, segments, not_before, error, submitted_at, finished_at)
SELECT '00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000bb', '+4478' || lpad(i::text, 8, '0'), 'GB', 'Europe/London', 'Bo' || i,
  CASE WHEN i % 20 = 0 THEN 4 WHEN i % 33 = 0 THEN 5 ELSE 3 END, 1, now(),
  CASE WHEN i % 20 = 0 THEN 'UNDELIV err:' || (i % 7) WHEN i % 33 = 0 THEN 'No delivery receipt in time.' END, now(), now()
FROM generate_series(1, 1000000) i;
CREATE INDEX messages_campaign_state ON campaigns.messages (campaign_id, state, id);
-- Clicks (issue #20 item 4): 10% of the measured campaign's recipients clicked its link once; the page reads each row's.
CREATE TABLE campaigns.link_clicks (message_id bigint NOT NULL, link_index smallint NOT NULL, campaign_id uuid NOT NULL, company_id uuid NOT NULL,
    first_clicked_at timestamptz NOT NULL, last_clicked_at timestamptz NOT NULL, clicks integer NOT NULL, PRIMARY KEY (message_id, link_index));
INSERT INTO campaigns.link_clicks SELECT id, 0, campaign_id, company_id, now(), now(), 1 FROM campaigns.messages
WHERE campaign_id = '00000000-0000-0000-0000-000000000002' AND id % 10 = 0;
VACUUM ANALYZE campaigns.messages;
SQL
python3 - > /tmp/recipient-report.sql <<'PY'
parts = [f"(SELECT id, phone, first_name, state, segments, error, submitted_at, finished_at FROM campaigns.messages "
         f"WHERE (campaign_id, state, id) > ($1, {s}::smallint, $3) AND campaign_id = $1 AND state BETWEEN {s} AND {s} AND id > $3 "
         f"AND company_id = $2 AND ($4::text IS NULL OR phone = $4) ORDER BY state, id LIMIT $5)" for s in range(8)]
c, co = "'00000000-0000-0000-0000-000000000002'", "'00000000-0000-0000-0000-0000000000bb'"
print("SET plan_cache_mode = force_generic_plan;")
print("PREPARE page(uuid, uuid, bigint, text, int) AS SELECT p.*, (SELECT coalesce(sum(k.clicks), 0) FROM campaigns.link_clicks k WHERE k.message_id = p.id) "
      "FROM (SELECT * FROM (" + " UNION ALL ".join(parts) + ") r ORDER BY id LIMIT $5) p ORDER BY p.id;")
print("\\o /dev/null")
print("\\timing on")
for label, after, phone, limit in [("first page", 0, "NULL", 51), ("middle page", 1500000, "NULL", 51), ("last page", 1999950, "NULL", 51),
                                   ("number search", 0, "'+447800500000'", 51), ("CSV batch of 5,000", 1400000, "NULL", 5000)]:
    print(f"\\echo {label}")
    print(f"EXECUTE page({c}, {co}, {after}, {phone}, {limit});")
print("\\echo failure reasons grouped")
print(f"SELECT coalesce(error, ''), count(*) FROM campaigns.messages WHERE campaign_id = {c} AND company_id = {co} AND state IN (4, 5, 7) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10;")
PY
for run in 1 2 3; do
  echo "run $run"
  su postgres -c "psql -q $db -f /tmp/recipient-report.sql" 2>&1 | paste -sd' ' | sed 's/Time: //g'
done
su postgres -c "psql -qAtc 'DROP DATABASE $db'" >/dev/null
