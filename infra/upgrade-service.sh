#!/usr/bin/env bash
# Upgrade ONE onebox service to a release, leaving the others untouched. As root, on the VM.
#
#   infra/upgrade-service.sh [--dry-run] SERVICE REF      SERVICE: telegram whatsapp orchestrator metrics
#   infra/upgrade-service.sh --rollback SERVICE           back to the code install.sh deployed
#
# REF is a git ref of the repository this script lives in, normally the service's release tag
# (onebox-orchestrator-v0.2.0, made as docs/operations.md "Releasing one service" shows). The
# release tree goes to /opt/onebox/releases/<service>-<ref>, its own environment to
# /opt/onebox/venvs/<service>-<ref> (uv sync --frozen --no-dev --package, /usr/bin/python3), the
# release's migrations run (expand-only: every deployed version must work with the schema),
# then a drop-in points the unit at the release and only that unit restarts (SIGTERM drains it).
set -euo pipefail

DRY=0; ROLLBACK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1; shift ;;
    --rollback) ROLLBACK=1; shift ;;
    *) break ;;
  esac
done
SERVICE=${1:-}; REF=${2:-}
case "$SERVICE" in
  telegram) PACKAGE=onebox-agent-telegram ;;
  whatsapp) PACKAGE=onebox-agent-whatsapp ;;
  orchestrator) PACKAGE=onebox-orchestrator ;;
  metrics) PACKAGE=onebox-metrics ;;
  *) echo "usage: upgrade-service.sh [--dry-run] SERVICE REF | --rollback SERVICE (SERVICE: telegram whatsapp orchestrator metrics)" >&2; exit 2 ;;
esac
UNIT=onebox-$SERVICE
ROOT=${ONEBOX_ROOT:-/}; ROOT=${ROOT%/}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${ONEBOX_PYTHON:-/usr/bin/python3}
UV=$ROOT/opt/onebox/bin/uv
DROPIN=$ROOT/etc/systemd/system/$UNIT.service.d/release.conf

step() {  # step DESCRIPTION -- COMMAND...
  local what=$1; shift; [ "$1" = "--" ] && shift
  if [ "$DRY" = 1 ]; then echo "would: $what"; return 0; fi
  echo "doing: $what"
  "$@"
}
restart() {
  if [ -z "$ROOT" ]; then
    step "systemctl daemon-reload" -- systemctl daemon-reload
    step "systemctl restart $UNIT.service (drains, then starts the new code)" -- systemctl restart "$UNIT.service"
    [ "$DRY" = 1 ] || systemctl is-active --quiet "$UNIT.service" || {
      echo "upgrade-service.sh: $UNIT did not come back; see journalctl -u $UNIT; roll back with --rollback $SERVICE" >&2; exit 1; }
  else
    echo "skipped: restart $UNIT.service (ONEBOX_ROOT is not /)"
  fi
}

if [ "$ROLLBACK" = 1 ]; then
  step "remove $DROPIN" -- rm -f "$DROPIN"
  restart
  exit 0
fi
[ -n "$REF" ] || { echo "upgrade-service.sh: name the release REF (a tag such as $UNIT-v0.2.0)" >&2; exit 2; }
git -C "$SRC" rev-parse --verify --quiet "$REF^{commit}" >/dev/null || { echo "upgrade-service.sh: unknown ref $REF" >&2; exit 2; }
NAME=$UNIT-$(printf '%s' "$REF" | tr -c 'A-Za-z0-9._-' '_')
RELEASE=$ROOT/opt/onebox/releases/$NAME
VENV=$ROOT/opt/onebox/venvs/$NAME

[ -d "$RELEASE" ] || step "export $REF to $RELEASE" -- sh -c \
  "mkdir -p '$RELEASE.partial' && git -C '$SRC' archive '$REF' | tar -x -C '$RELEASE.partial' && mv '$RELEASE.partial' '$RELEASE'"
[ -x "$VENV/bin/python" ] || step "build $VENV (uv sync --frozen --no-dev --package $PACKAGE)" -- sh -c \
  "cd '$RELEASE' && UV_PROJECT_ENVIRONMENT='$VENV' UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 '$UV' sync --quiet --frozen --no-dev --package '$PACKAGE' --python '$PYTHON'"
# Migrate with the release's umbrella CLI: it knows every package's branch at REF (a single
# service's environment knows only its own branches, and Alembic refuses unknown revisions).
[ -x "$VENV-cli/bin/onebox" ] || step "build $VENV-cli (uv sync --frozen --no-dev --package onebox)" -- sh -c \
  "cd '$RELEASE' && UV_PROJECT_ENVIRONMENT='$VENV-cli' UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy '$UV' sync --quiet --frozen --no-dev --package onebox --python '$PYTHON'"
MIGRATE=("$VENV-cli/bin/onebox" --database-url "sqlite:///$ROOT/var/lib/onebox/onebox.db" migrate)
if [ -z "$ROOT" ]; then MIGRATE=(runuser -u onebox -- "${MIGRATE[@]}"); fi
step "migrate with the release's migrations (${MIGRATE[*]})" -- "${MIGRATE[@]}"
step "point $UNIT at the release ($DROPIN)" -- sh -c "mkdir -p '$(dirname "$DROPIN")' && printf '%s\n' \
  '# Written by upgrade-service.sh: $UNIT runs release $REF. Remove (or --rollback) to go back.' \
  '[Service]' 'WorkingDirectory=/opt/onebox/releases/$NAME' \
  'Environment=UV_PROJECT_ENVIRONMENT=/opt/onebox/venvs/$NAME' > '$DROPIN'"
restart
