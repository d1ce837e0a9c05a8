#!/usr/bin/env bash
# Runs the benchmark against podman (what `make bench` does after installing
# the packages and building bin/pod, bin/pod-conmon and bin/podbench).
# Arguments go to podbench: -rounds N, -rootless-user "", -root=false, -keep,
# -out FILE. Needs root; the rootless rows run as POD_TEST_USER (podtest).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (the rootless rows switch to ${POD_TEST_USER:-podtest} themselves)" >&2
	exit 1
fi
for b in bin/pod bin/pod-conmon bin/podbench; do
	[ -x "$b" ] || { echo "bench: $b missing: run make bench" >&2; exit 1; }
done
exec bin/podbench -pod bin/pod -rootless-user "${POD_TEST_USER:-podtest}" -out bench/RESULTS.md "$@"
