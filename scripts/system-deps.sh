#!/usr/bin/env bash
# Makes sure the system programs Slipway's tests use are installed. Idempotent.
# As root it installs what is missing with apt-get; otherwise it names what to install and fails.
set -euo pipefail

# program to look for → Debian package that provides it
declare -A needs=(
  [initdb]=postgresql
  [postgres]=postgresql
  [sshd]=openssh-server
  [ssh]=openssh-client
  [ip]=iproute2
  [haproxy]=haproxy
  [nginx]=nginx
  [podman]=podman
  [runc]=runc
  [catatonit]=catatonit         # Podman's container init (the container runtime creates containers with Init)
  [slirp4netns]=slirp4netns     # the network the container tests give their containers
  [busybox]=busybox-static
  [prometheus]=prometheus
  [redis-server]=redis-server   # the redis provisioner's tests
  [chromium]=chromium           # the web UI's browser tests (playwright-core drives it)
  [ansible-playbook]=ansible-core  # npm run bench: the SSH fan-out is measured against it
  [gcc]=gcc                     # the Score test image's static UDP echo server
  [docker-registry]=docker-registry  # the OCI registry built images are pushed to and pulled from
  [htpasswd]=apache2-utils      # the test registry's bcrypt password file
  [openssl]=openssl             # the test registry's CA and server certificate
  [git]=git                     # builds check out sources; the tests serve repositories with git http-backend
)

# file to look for → Debian package that provides it (libraries and headers have no program)
declare -A files=(
  [/usr/include/stdio.h]=libc6-dev  # gcc -static needs libc's headers and libc.a
)

find_program() {
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -x "/usr/sbin/$1" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/$1" >/dev/null
}

missing=()
for program in "${!needs[@]}"; do
  find_program "$program" || missing+=("${needs[$program]}")
done
for file in "${!files[@]}"; do
  [ -e "$file" ] || missing+=("${files[$file]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "Slipway's tests need these Debian packages: ${packages[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
echo "Installing ${packages[*]} for the tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
