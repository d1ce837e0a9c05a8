#!/usr/bin/env bash
# Installs the given Debian packages when any is missing, then prepares the
# machine for rootless use and for the test suite:
#  - an unprivileged test user (POD_TEST_USER, default podtest) with
#    /etc/subuid and /etc/subgid ranges;
#  - /dev/net/tun opened to all users, as most distributions ship it.
set -euo pipefail

missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$(id -u)" = 0 ]; then
	user=${POD_TEST_USER:-podtest}
	id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
	grep -q "^$user:" /etc/subuid 2>/dev/null || echo "$user:200000:65536" >> /etc/subuid
	grep -q "^$user:" /etc/subgid 2>/dev/null || echo "$user:200000:65536" >> /etc/subgid
	[ -e /dev/net/tun ] && chmod 0666 /dev/net/tun || true
fi
