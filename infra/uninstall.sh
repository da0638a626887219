#!/usr/bin/env bash
# Remove onebox from this VM, as root, keeping the data: the database and backups under
# /var/lib/onebox*, the settings and credentials under /etc/onebox, the logs and the onebox
# user (it owns those files) all stay. Idempotent; --dry-run only says what it would do.
# ONEBOX_ROOT works as in install.sh (a throwaway root; systemctl offline).
set -euo pipefail

DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
ROOT=${ONEBOX_ROOT:-/}
ROOT=${ROOT%/}
CHANGES=0
change() {
  local what=$1; shift; [ "$1" = "--" ] && shift
  CHANGES=$((CHANGES + 1))
  if [ "$DRY" = 1 ]; then echo "would change: $what"; return 0; fi
  echo "changed: $what"
  "$@"
}
if [ "$(id -u)" != 0 ]; then echo "uninstall.sh: run as root" >&2; exit 1; fi
SYSTEMCTL=(systemctl); [ -z "$ROOT" ] || SYSTEMCTL=(systemctl "--root=$ROOT")

UNITS=$(cd "$ROOT/etc/systemd/system" 2>/dev/null && ls -d onebox* 2>/dev/null | grep -v '\.d$' || true)
for unit in $UNITS; do
  if [ -z "$ROOT" ] && systemctl is-active --quiet "$unit"; then
    change "stop $unit" -- systemctl stop "$unit"
  fi
  if "${SYSTEMCTL[@]}" is-enabled --quiet "$unit" 2>/dev/null; then
    change "disable $unit" -- "${SYSTEMCTL[@]}" disable --quiet "$unit"
  fi
done
for unit in $UNITS; do
  change "/etc/systemd/system/$unit (removed)" -- rm -rf "$ROOT/etc/systemd/system/$unit"
done
if [ -n "$UNITS" ] && [ -z "$ROOT" ]; then change "systemctl daemon-reload" -- systemctl daemon-reload; fi
if [ -e "$ROOT/opt/onebox" ]; then
  change "/opt/onebox (code, environments, uv; removed)" -- rm -rf "$ROOT/opt/onebox"
fi
[ "$CHANGES" = 0 ] && echo "nothing to change"
echo "kept: /var/lib/onebox (database), /var/lib/onebox-backup, /etc/onebox, /var/log/onebox, user onebox"
