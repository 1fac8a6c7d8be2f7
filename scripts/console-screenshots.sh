#!/usr/bin/env bash
# Saves one PNG per console tab into docs/console/, against a server that is already running.
#   scripts/console-screenshots.sh http://127.0.0.1:8080 admin@example.org
# The password comes from FP_CONSOLE_PASSWORD. Builds the console where ./scripts/run builds
# (FP_CONSOLE_BINARY names another one), runs it on a private Xvfb display and uses its own
# --screenshot mode (QWidget::grab), so no window manager is needed. Not a test.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
server="${1:?server URL}"
email="${2:?staff email}"
: "${FP_CONSOLE_PASSWORD:?set FP_CONSOLE_PASSWORD}"
fp_install_packages xvfb
console="${FP_CONSOLE_BINARY:-$(fp_build_folder console)/console/friendship-console}"
out="$FP_ROOT/docs/console"
mkdir -p "$out"
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
# Xvfb is ready once its socket exists.
for _ in $(seq 1 100); do
  [ -S "/tmp/.X11-unix/X${display#:}" ] && break
  sleep 0.1
done
[ -S "/tmp/.X11-unix/X${display#:}" ] || fp_die "Xvfb did not start on $display"
# No session bus: the console keeps its token in memory for this run (and says so).
env -u DBUS_SESSION_BUS_ADDRESS DISPLAY="$display" QT_QPA_PLATFORM=xcb \
  timeout 120 "$console" --server "$server" --email "$email" --screenshot "$out"
ls -l "$out"/*.png
