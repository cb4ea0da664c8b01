#!/usr/bin/env bash
# Shared by ./run and ./test: make sure a local PostgreSQL server is installed and running, and that the
# role the platform connects as exists. Idempotent; needs root on Debian (as CI and the dev machines are).
set -euo pipefail

ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "PostgreSQL is not installed; installing it with apt..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  if command -v pg_lsclusters >/dev/null 2>&1; then
    if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
      local version
      version=$(ls /usr/lib/postgresql | sort -V | tail -1)
      pg_createcluster "$version" main >/dev/null
    fi
    pg_lsclusters -h | while read -r version cluster port status rest; do
      if [ "$status" != "online" ]; then
        pg_ctlcluster "$version" "$cluster" start
      fi
    done
  fi
  wait_for_postgres
  ensure_connections 300
}

# wait_for_postgres: up to 30 s for the server to answer (after a start or a restart).
wait_for_postgres() {
  for _ in $(seq 1 30); do
    if su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then
      break
    fi
    sleep 1
  done
  su postgres -c "psql -qAtc 'select 1'" >/dev/null
}

# ensure_connections N: the tests run several hosts (each a Hangfire server with its own pools, ~10 connections idle
# and more while sending) and a database per fixture at once; Debian's default of 100 runs out. Restarts once if raised.
ensure_connections() {
  local wanted=$1 current
  current=$(su postgres -c "psql -qAtc 'show max_connections'")
  if [ "$current" -lt "$wanted" ]; then
    su postgres -c "psql -qAtc 'ALTER SYSTEM SET max_connections = $wanted'" >/dev/null
    pg_lsclusters -h | while read -r version cluster rest; do
      pg_ctlcluster "$version" "$cluster" restart
    done
    wait_for_postgres
  fi
}

# ensure_role NAME PASSWORD: a login role that may create databases (tests create one per run).
ensure_role() {
  local name=$1 password=$2
  su postgres -c "psql -qAt -v ON_ERROR_STOP=1" >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$name') THEN
    CREATE ROLE "$name" LOGIN CREATEDB PASSWORD '$password';
  ELSE
    ALTER ROLE "$name" LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL
}

# ensure_database NAME OWNER
ensure_database() {
  local name=$1 owner=$2
  if [ "$(su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = '$name'\"")" != "1" ]; then
    su postgres -c "createdb -O '$owner' '$name'"
  fi
}
