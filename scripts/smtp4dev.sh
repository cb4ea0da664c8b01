#!/usr/bin/env bash
# Used by ./run: the local mail catcher. smtp4dev (a dotnet tool, installed into .run/tools) takes every email the
# host sends on localhost:2525 and shows it at http://localhost:5081 (also as JSON: /api/messages). Idempotent.
set -euo pipefail

SMTP4DEV_VERSION=3.15.0
SMTP4DEV_SMTP_PORT=2525
SMTP4DEV_WEB_URL=http://localhost:5081

# smtp4dev_answers: its web port takes connections (bash's /dev/tcp: no curl needed on a fresh machine).
smtp4dev_answers() {
  (exec 3<>/dev/tcp/127.0.0.1/5081) 2>/dev/null
}

ensure_smtp4dev() {
  local root="$PWD/.run"
  if [ ! -x "$root/tools/smtp4dev" ]; then
    echo "Installing smtp4dev $SMTP4DEV_VERSION (the local mail catcher)..."
    dotnet tool install --tool-path "$root/tools" Rnwood.Smtp4dev --version "$SMTP4DEV_VERSION" >/dev/null
  fi
  if ! smtp4dev_answers; then
    mkdir -p "$root/smtp4dev"
    # Loopback only; its own IMAP/POP3 ports moved off the privileged defaults; messages kept in .run/smtp4dev.
    nohup "$root/tools/smtp4dev" --urls="$SMTP4DEV_WEB_URL" --smtpport="$SMTP4DEV_SMTP_PORT" --bindaddress=127.0.0.1 \
      --imapport=2143 --pop3port=2110 --db="$root/smtp4dev/smtp4dev.db" --nousersettings \
      >"$root/smtp4dev/smtp4dev.log" 2>&1 &
    for _ in $(seq 1 60); do
      if smtp4dev_answers; then
        return 0
      fi
      sleep 1
    done
    echo "smtp4dev did not start; see .run/smtp4dev/smtp4dev.log" >&2
    return 1
  fi
}
