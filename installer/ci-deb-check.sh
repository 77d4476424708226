#!/usr/bin/env bash
# The Debian package, proven by installing it (run by .ci/run after the tests, as root on
# Debian 12): build it, install it with apt, run the installed command outside any venv,
# remove and purge it, and check that the clinic's records stayed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
STEP_START=$(date +%s)

fail() { echo "ci-deb-check: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get install, /var/lib)"

BUILD_START=$(date +%s)
bash installer/build-deb.sh
BUILD_TIME=$(( $(date +%s) - BUILD_START ))
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
DEB="dist/peerdesk_${VERSION}_amd64.deb"
[ -f "$DEB" ] || fail "$DEB was not built"

# A package left from an earlier run on this machine would hide install problems.
if dpkg -s peerdesk >/dev/null 2>&1; then
    apt-get purge -y -qq peerdesk >/dev/null
fi
# The Depends come from apt; refresh its lists once if they are stale or missing.
apt-get install -y -qq "./$DEB" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "./$DEB" >/dev/null; } ||
    fail "apt-get install ./$DEB"

# Outside any venv: a clean environment with only the system PATH, from another folder.
run() { (cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"); }

[ "$(readlink -f "$(command -v peerdesk)")" = /usr/bin/peerdesk ] || fail "peerdesk is not /usr/bin/peerdesk"
run /usr/bin/peerdesk --version || fail "peerdesk --version"
run /usr/bin/peerdesk --version | grep -q "SQLCipher 4" || fail "--version does not name SQLCipher 4"
run QT_QPA_PLATFORM=offscreen /usr/bin/peerdesk self-test --gui || fail "self-test --gui"
DEMO_DIR=$(mktemp -d)
run /usr/bin/peerdesk --data-dir "$DEMO_DIR/store" demo --sessions 300 >/dev/null ||
    fail "peerdesk demo"
[ -f "$DEMO_DIR/store/peerdesk.db" ] || fail "demo made no store"
rm -rf "$DEMO_DIR"

# Server mode from the installed bundle (its own psycopg and libpq, TLS verify-full): a
# throwaway cluster started with the test harness, then server init, demo and a report.
PG_DIR=$(mktemp -d /tmp/peerdesk-deb-pg.XXXXXX)
eval "$(.venv/bin/python -m tests.pg_server start "$PG_DIR" clinic)"
server() { run PEERDESK_POLICY="$PG_POLICY" PEERDESK_DB_PASSWORD="$PG_PASSWORD" \
    /usr/bin/peerdesk --data-dir "$PG_DIR/workstation" "$@"; }
echo "a long admin passphrase" | server server init --admin boss --password-stdin >/dev/null ||
    fail "server init from the installed package"
echo "a long admin passphrase" | server demo --sessions 200 --user boss --password-stdin \
    >"$PG_DIR/demo.txt" || fail "demo into the server from the installed package"
DEMO_PW=$(sed -n 's/^Password for every demo account: //p' "$PG_DIR/demo.txt")
echo "$DEMO_PW" | server report --month "$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)" \
    --json --user coordinator --password-stdin | grep -q '"headline"' ||
    fail "report on the server from the installed package"
.venv/bin/python -m tests.pg_server stop "$PG_DIR"
rm -rf "$PG_DIR"

# What the package set up.
[ "$(stat -c '%U:%G %a' /var/lib/peerdesk)" = "root:peerdesk 2770" ] ||
    fail "/var/lib/peerdesk is $(stat -c '%U:%G %a' /var/lib/peerdesk), want root:peerdesk 2770"
[ "$(stat -c '%U:%G %a' /var/backups/peerdesk)" = "root:peerdesk 2770" ] ||
    fail "/var/backups/peerdesk is $(stat -c '%U:%G %a' /var/backups/peerdesk)"
getent passwd peerdesk-backup >/dev/null || fail "no peerdesk-backup account"
[ -f /usr/share/applications/peerdesk.desktop ] || fail "no desktop entry"
[ -f /usr/share/icons/hicolor/256x256/apps/peerdesk.png ] || fail "no icon"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/peerdesk.desktop || fail "desktop entry invalid"
fi
[ -f /opt/peerdesk/licenses/LGPL-3.0.txt ] || fail "no Qt licence in the bundle"
dpkg-query -W -f='${Conffiles}\n' peerdesk | grep -q /etc/peerdesk/policy.toml ||
    fail "policy.toml is not a conffile"
if [ -d /run/systemd/system ]; then
    ! systemctl is-enabled peerdesk-backup.timer >/dev/null 2>&1 || fail "backup timer enabled by default"
fi
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /usr/lib/systemd/system/peerdesk-backup.service \
        /usr/lib/systemd/system/peerdesk-backup.timer || fail "systemd units do not verify"
fi

# Records stay: put a stand-in record in the shared folder, then remove and purge.
echo "stand-in clinic record" > /var/lib/peerdesk/ci-record.txt
apt-get remove -y -qq peerdesk >/dev/null || fail "apt-get remove"
[ -f /var/lib/peerdesk/ci-record.txt ] || fail "remove deleted /var/lib/peerdesk records"
[ ! -e /opt/peerdesk/peerdesk ] || fail "remove left the bundle"
apt-get purge -y -qq peerdesk >/dev/null || fail "apt-get purge"
[ -d /var/lib/peerdesk ] || fail "purge deleted /var/lib/peerdesk"
[ -f /var/lib/peerdesk/ci-record.txt ] || fail "purge deleted a record in /var/lib/peerdesk"
[ ! -e /etc/peerdesk/policy.toml ] || fail "purge left the policy conffile"
rm -f /var/lib/peerdesk/ci-record.txt

BUNDLE=build/pyinstaller-dist/peerdesk
echo "ci-deb-check: bundle size $(du -sh "$BUNDLE" | cut -f1), package size $(du -h "$DEB" | cut -f1)" \
    "($(stat -c %s "$DEB") bytes), build time ${BUILD_TIME} s," \
    "whole step $(( $(date +%s) - STEP_START )) s"
echo "ci-deb-check: ok"
