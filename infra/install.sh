#!/usr/bin/env bash
# Install or update onebox on a Debian/Ubuntu VM, as root. Idempotent: each step first looks at
# what is there and acts only on a difference, printing "changed: ..." (or "would change: ..."
# with --dry-run); a run with nothing to do ends with "nothing to change".
#
#   infra/install.sh [--dry-run]
#
# Steps: the onebox user (sysusers.d), folders, example env files (never overwritten), uv, the
# workspace under /opt/onebox/app, one environment per service (uv sync --frozen --no-dev
# --package, with /usr/bin/python3), the units and timers, the migration, enable and start.
#
# Environment: ONEBOX_ROOT (default /) installs into a throwaway root instead: every path is
# prefixed, systemctl works offline (--root) and nothing is started. ONEBOX_UV is the uv to
# install (default: the one on PATH), ONEBOX_PYTHON the interpreter (default /usr/bin/python3),
# ONEBOX_ENVS the environments to build as name:package pairs (default: all five), and
# ONEBOX_UV_LINK_MODE how uv places files (default copy: nothing shared with its cache).
set -euo pipefail

DRY=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${ONEBOX_ROOT:-/}
ROOT=${ROOT%/}
PYTHON=${ONEBOX_PYTHON:-/usr/bin/python3}
UV_SRC=${ONEBOX_UV:-$(command -v uv || true)}
# name:package of each environment; "onebox" (the umbrella CLI) migrates and backs up.
ENVS=${ONEBOX_ENVS:-"onebox:onebox onebox-telegram:onebox-agent-telegram onebox-whatsapp:onebox-agent-whatsapp onebox-orchestrator:onebox-orchestrator onebox-metrics:onebox-metrics"}
SERVICES="onebox-telegram onebox-whatsapp onebox-orchestrator onebox-metrics"
ENABLE="onebox.target onebox-recycle-telegram.timer onebox-recycle-whatsapp.timer onebox-recycle-orchestrator.timer onebox-healthcheck.timer onebox-backup.timer"
CHANGES=0
UNITS_CHANGED=0
CODE_CHANGED=0

say() { printf '%s\n' "$*"; }
change() {  # change DESCRIPTION -- COMMAND...: run COMMAND (or only say it with --dry-run)
  local what=$1; shift; [ "$1" = "--" ] && shift
  CHANGES=$((CHANGES + 1))
  if [ "$DRY" = 1 ]; then say "would change: $what"; return 0; fi
  say "changed: $what"
  "$@"
}
live() { [ -z "$ROOT" ]; }

if [ "$(id -u)" != 0 ]; then echo "install.sh: run as root" >&2; exit 1; fi
[ -n "$UV_SRC" ] && [ -x "$UV_SRC" ] || { echo "install.sh: uv not found (set ONEBOX_UV or install uv: pip install uv)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "install.sh: $PYTHON not found (apt-get install python3)" >&2; exit 1; }

# 0. Tools this script needs on the VM.
if live; then
  for tool in rsync; do
    command -v "$tool" >/dev/null || change "apt-get install $tool" -- apt-get install -y -q "$tool"
  done
fi

# 1. The static user (shared by every service: WAL needs the database folder writable).
install_file() {  # install_file SRC DEST MODE
  local src=$1 dest=$ROOT$2 mode=$3
  if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then return 0; fi
  change "$2" -- install -D -m "$mode" "$src" "$dest"
  case "$2" in /etc/systemd/system/*) UNITS_CHANGED=1 ;; esac
}
install_file "$SRC/infra/sysusers/onebox.conf" /usr/lib/sysusers.d/onebox.conf 0644
if ! grep -q '^onebox:' "$ROOT/etc/passwd" 2>/dev/null; then
  change "user and group onebox (systemd-sysusers)" -- sh -c \
    "mkdir -p '$ROOT/etc' && systemd-sysusers --root='${ROOT:-/}' '$SRC/infra/sysusers/onebox.conf'"
fi

# 2. Folders: owner, group and mode.
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$ROOT/etc/passwd" 2>/dev/null || true; }
gid_of() { awk -F: -v g="$1" '$1 == g { print $3 }' "$ROOT/etc/group" 2>/dev/null || true; }
ensure_dir() {  # ensure_dir PATH MODE OWNER GROUP
  local dir=$ROOT$1 mode=$2 owner group
  owner=$( [ "$3" = root ] && echo 0 || uid_of "$3" ); group=$( [ "$4" = root ] && echo 0 || gid_of "$4" )
  owner=${owner:-$3}; group=${group:-$4}
  if [ -d "$dir" ] && [ "$(stat -c '%a %u %g' "$dir")" = "${mode#0} $owner $group" ]; then return 0; fi
  change "$1 ($mode $3:$4)" -- sh -c "mkdir -p '$dir' && chmod '$mode' '$dir' && chown '$owner:$group' '$dir'"
}
ensure_dir /etc/onebox 0750 root onebox
ensure_dir /etc/onebox/credentials 0700 root root
for unit in onebox-telegram onebox-whatsapp onebox-orchestrator; do
  ensure_dir "/etc/onebox/credentials/$unit" 0700 root root
done
ensure_dir /var/lib/onebox 0750 onebox onebox
ensure_dir /var/lib/onebox-metrics 0755 onebox onebox
ensure_dir /var/lib/onebox-backup 0750 onebox onebox
ensure_dir /var/log/onebox 0750 root root
ensure_dir /opt/onebox 0755 root root
ensure_dir /opt/onebox/bin 0755 root root
ensure_dir /opt/onebox/venvs 0755 root root

# 3. Example settings: installed once, then the operator's to edit.
for f in "$SRC"/infra/env/*.env; do
  [ -e "$ROOT/etc/onebox/$(basename "$f")" ] || change "/etc/onebox/$(basename "$f") (example)" -- \
    install -m 0640 -g "$(gid_of onebox)" "$f" "$ROOT/etc/onebox/$(basename "$f")"
done

# 4. uv and the health check.
install_file "$UV_SRC" /opt/onebox/bin/uv 0755
install_file "$SRC/infra/bin/onebox-healthcheck" /opt/onebox/bin/onebox-healthcheck 0755

# 5. The workspace, read-only for the services (what .gitignore names is left out).
RSYNC=(rsync -rlpt --checksum --delete --chmod=go-w,Dgo+rx,Fgo+r --exclude=/.git/ --exclude=/.team/ --filter=':- .gitignore')
if [ -d "$ROOT/opt/onebox/app" ]; then
  pending=$("${RSYNC[@]}" --dry-run --itemize-changes "$SRC/" "$ROOT/opt/onebox/app/" | grep -v '^\.d' || true)
else
  pending=all
fi
if [ -n "$pending" ]; then
  CODE_CHANGED=1
  change "/opt/onebox/app ($( [ "$pending" = all ] && echo new || echo "$(printf '%s\n' "$pending" | wc -l) paths"))" -- \
    "${RSYNC[@]}" "$SRC/" "$ROOT/opt/onebox/app/"
fi

# 6. One environment per service, rebuilt only when the lock or a pyproject changed.
stamp_now() {
  (cd "$SRC" && cat uv.lock pyproject.toml packages/*/pyproject.toml | sha256sum | cut -d' ' -f1)
}
STAMP=$(stamp_now)
for pair in $ENVS; do
  name=${pair%%:*}; package=${pair##*:}; venv=$ROOT/opt/onebox/venvs/$name
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.onebox-stamp" 2>/dev/null)" = "$STAMP" ]; then continue; fi
  CODE_CHANGED=1
  change "/opt/onebox/venvs/$name (uv sync --package $package)" -- sh -c "
    cd '$ROOT/opt/onebox/app' &&
    UV_PROJECT_ENVIRONMENT='$venv' UV_PYTHON_DOWNLOADS=never UV_LINK_MODE='${ONEBOX_UV_LINK_MODE:-copy}' \
      '$ROOT/opt/onebox/bin/uv' sync --quiet --frozen --no-dev --package '$package' --python '$PYTHON' &&
    echo '$STAMP' > '$venv/.onebox-stamp'"
done

# 7. Units and timers.
for unit in "$SRC"/infra/systemd/*; do
  install_file "$unit" "/etc/systemd/system/$(basename "$unit")" 0644
done
if [ "$UNITS_CHANGED" = 1 ] && live; then change "systemctl daemon-reload" -- systemctl daemon-reload; fi

# 8. Migrations: the oneshot unit on a live system; directly (as the unit would) in a root.
# Re-run when the migration scripts changed since the last run (a stamp beside the database).
DB=$ROOT/var/lib/onebox/onebox.db
MIGRATED=$ROOT/var/lib/onebox/.onebox-migrations
SCHEMA=$(cd "$SRC" && find packages -path '*/migrations/versions/*.py' -print0 | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)
if ! { [ -f "$DB" ] && [ "$(cat "$MIGRATED" 2>/dev/null)" = "$SCHEMA" ]; }; then
  if live; then
    change "migrate the database (systemctl restart onebox-migrate.service)" -- sh -c \
      "systemctl restart onebox-migrate.service && echo '$SCHEMA' > '$MIGRATED'"
  else
    change "migrate $DB" -- sh -c "'$ROOT/opt/onebox/venvs/onebox/bin/onebox' --database-url 'sqlite:///$DB' migrate >/dev/null && echo '$SCHEMA' > '$MIGRATED' && chown -R '$(uid_of onebox):$(gid_of onebox)' '$ROOT/var/lib/onebox'"
  fi
fi

# 9. Enable (and on a live system start) the stack and its timers.
SYSTEMCTL=(systemctl); live || SYSTEMCTL=(systemctl "--root=$ROOT")
for unit in $ENABLE; do
  "${SYSTEMCTL[@]}" is-enabled --quiet "$unit" 2>/dev/null || change "enable $unit" -- "${SYSTEMCTL[@]}" enable --quiet "$unit"
done
if live; then
  # New code or units: restart what runs (each service drains on SIGTERM); stopped units stay.
  if [ "$CODE_CHANGED" = 1 ] || [ "$UNITS_CHANGED" = 1 ]; then
    for unit in $SERVICES; do
      if systemctl is-active --quiet "$unit"; then
        change "restart $unit (new code)" -- systemctl restart "$unit"
      fi
    done
  fi
  for unit in $ENABLE $SERVICES; do
    systemctl is-active --quiet "$unit" || change "start $unit" -- systemctl start "$unit"
  done
fi

if [ "$CHANGES" = 0 ]; then say "nothing to change"; elif [ "$DRY" = 1 ]; then say "$CHANGES change(s) to make"; else say "$CHANGES change(s) made"; fi
