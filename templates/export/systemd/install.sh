#!/bin/sh
# Installs the SeaweedFS cluster "{{name}}" on this host, for systemd (rendered by `seaweedctl export systemd`):
#   the units        -> $DESTDIR/etc/systemd/system/
#   files they read  -> $DESTDIR{{filesDir}}/  (owned by {{user}}:{{group}}, mode 0600: they hold keys)
# Run it as root from anywhere, once the account exists:
#   {{account}}
#   sh install.sh && systemctl enable --now {{target}}
# DESTDIR=DIR installs below DIR instead (a package root, or a check) and skips `systemctl daemon-reload`.
set -eu
umask 022
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
DESTDIR=${DESTDIR:-}
install -d -m 0755 "$DESTDIR/etc/systemd/system"
{{units}}
{{files}}
if [ -z "$DESTDIR" ]; then systemctl daemon-reload; fi
