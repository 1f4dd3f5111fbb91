#!/usr/bin/env bash
# One-time (and idempotent) set-up of a machine for laas: Debian packages for the real device
# counterparts, npm packages, the Temporal CLI, and the PostgreSQL database with its schema.
# Quick when everything is already there. `--no-apt` skips the Debian packages.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

apt_packages=(openipmi ipmitool slapd ldap-utils openssh-server openvswitch-switch libvirt-daemon
  libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils iputils-ping iproute2 tmux chromium)

if [[ "${1:-}" != "--no-apt" ]] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# npm packages: reinstall only when the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages"
  # `npm install`, not `npm ci`: with omit-lockfile-registry-resolved (set on these machines) npm
  # leaves other platforms' optional packages out of the lock and `npm ci` then refuses it.
  # The lock still pins every version installed here.
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

temporal="$(bash scripts/temporal-cli.sh)"
echo "setup: Temporal CLI at $temporal"

npx tsx scripts/db-migrate.ts
