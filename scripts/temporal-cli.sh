#!/usr/bin/env bash
# Make the `temporal` CLI (dev server + operator CLI) available and print its path.
# Order: $TEMPORAL_CLI, a `temporal` on PATH, the project's .tools/bin, else build it with Go.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="v1.5.1"
tools="$root/.tools/bin"

if [[ -n "${TEMPORAL_CLI:-}" && -x "${TEMPORAL_CLI}" ]]; then echo "$TEMPORAL_CLI"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [[ -x "$tools/temporal" ]]; then echo "$tools/temporal"; exit 0; fi

mkdir -p "$tools"
if command -v go >/dev/null 2>&1; then
  # v1.5.1 is the newest tag `go install pkg@version` accepts (later go.mod files carry a replace directive).
  echo "building the Temporal CLI $version with Go (first time only: a few minutes)..." >&2
  CGO_ENABLED=0 GOBIN="$tools" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
  echo "$tools/temporal"
  exit 0
fi

# No Go: Temporal's own release download, for machines with internet.
echo "no Go toolchain: downloading the Temporal CLI $version release..." >&2
arch="$(uname -m)"; case "$arch" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
curl -fsSL "https://temporal.download/cli/archive/${version}?platform=${os}&arch=${arch}" | tar -xz -C "$tools" temporal
echo "$tools/temporal"
