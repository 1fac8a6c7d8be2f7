#!/bin/sh
# The console's keychain round trip against a real Secret Service: a private session bus with an
# unlocked gnome-keyring, then tst_console_keychain. Usage: keychain.sh TST_CONSOLE_KEYCHAIN
set -eu
exec dbus-run-session -- sh -c '
  printf "console-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  FP_CONSOLE_KEYCHAIN=1 exec "$0"' "$1"
