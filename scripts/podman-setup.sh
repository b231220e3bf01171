#!/usr/bin/env bash
# Configures rootful Podman the way Slipway's tests use it (see DESIGN.md, "Real parts in tests"):
# `runc` as the OCI runtime, the cgroupfs cgroup manager and file event logs (there is no systemd),
# nofile/nproc ulimits of 10000. Writes /etc/containers/containers.conf; an existing file that
# Slipway did not write is kept as containers.conf.before-slipway. Idempotent; root only.
set -euo pipefail

conf=/etc/containers/containers.conf
marker='# Written by slipway scripts/podman-setup.sh'
wanted="$marker
[containers]
default_ulimits = [\"nofile=10000:10000\", \"nproc=10000:10000\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
"

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/podman-setup.sh configures rootful Podman and must run as root (it writes $conf)" >&2
  exit 1
fi
for program in podman runc; do
  command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] || {
    echo "scripts/podman-setup.sh: $program is missing: install it with \`apt-get install podman runc\`" >&2
    exit 1
  }
done

[ -f "$conf" ] && [ "$(cat "$conf")" = "$(printf '%s' "$wanted")" ] && exit 0
mkdir -p /etc/containers
if [ -f "$conf" ] && ! head -n1 "$conf" | grep -qxF "$marker"; then
  cp -p "$conf" "$conf.before-slipway"
fi
tmp="$(mktemp "$conf.XXXXXX")"
printf '%s' "$wanted" >"$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$conf"
