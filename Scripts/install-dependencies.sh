#!/usr/bin/env bash
# Installs what building and testing Trestle needs and a fresh machine may
# lack: the C libraries (expat, SQLite, libxml2 for Matrix's HTML), the real
# servers the integration tests start (Prosody, InspIRCd and Atheme services) and openssl for
# their test certificates, and a Python virtualenv with the real clients
# the tests use (slixmpp for XMPP, irc for IRC) and Synapse (the Matrix
# homeserver, from PyPI) in .venv/.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libexpat1-dev libsqlite3-dev libxml2-dev prosody inspircd atheme-services openssl python3-venv python3)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages may start system-wide servers; the tests run their own.
for service in prosody inspircd atheme-services; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
        systemctl stop "$service" || true
    fi
done

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import slixmpp, irc, pytest, pytest_timeout, synapse" 2>/dev/null \
   || [ Tests/Integration/requirements.txt -nt .venv/.requirements-installed ]; then
    .venv/bin/pip install -q --disable-pip-version-check -r Tests/Integration/requirements.txt
    touch .venv/.requirements-installed
fi
