#!/usr/bin/env bash
# Makes Pulumi's YAML language host (pulumi-language-yaml, which runs `runtime: yaml` programs) available beside the
# Pulumi CLI that scripts/ensure-pulumi.sh provides, and prints that directory as the last line of stdout. Everything
# else goes to stderr. Typical use from the repo root (scripts/pulumi-project.mjs does this for the e2e tests):
#
#   PATH="$(scripts/ensure-pulumi-yaml.sh "$(scripts/ensure-pulumi.sh | tail -n 1)" | tail -n 1):$PATH"
#
# The host must sit next to the `pulumi` binary: the CLI warns on every run about a language host it finds only on
# PATH. Release binaries cannot be downloaded on every machine, so it is built with Go from the Go module proxy once
# per version (`go install …@version`, about 2.5 minutes on 2 cores the first time) into a cache outside the work
# tree, and linked into the CLI's directory.
set -euo pipefail

# The newest release the Go module proxy serves (`go list -m -versions github.com/pulumi/pulumi-yaml`).
VERSION=v1.25.0
MODULE=github.com/pulumi/pulumi-yaml

exec 3>&1 1>&2

say() { printf 'ensure-pulumi-yaml: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -eq 1 ] && [ -x "$1/pulumi" ] || die "usage: $0 <directory of the pulumi CLI> (scripts/ensure-pulumi.sh prints it)"
CLI_BIN=$(cd "$1" && pwd)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/tool-cache.sh
. "$ROOT/scripts/lib/tool-cache.sh"
tool_cache "pulumi-yaml-$VERSION" "pulumi-language-yaml $VERSION"

# The binary's module version, which `go install …@version` records in its build info.
is_wanted_host() {
  [ -x "$1" ] && [ "$(go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }')" = "$VERSION" ]
}

build() {
  command -v go >/dev/null \
    || die "pulumi-language-yaml $VERSION is not in $BIN and there is no Go to build it: install Go >= 1.24, or install Pulumi's YAML language host (https://github.com/pulumi/pulumi-yaml/releases) next to pulumi in $CLI_BIN."
  say "building pulumi-language-yaml $VERSION from the Go module proxy (first run on this machine, about 2.5 minutes)…"
  go_install_tool "$MODULE/cmd/pulumi-language-yaml" "$VERSION"
  is_wanted_host "$BIN/pulumi-language-yaml" || die "the freshly built $BIN/pulumi-language-yaml is not $VERSION"
  say "built pulumi-language-yaml $VERSION into $BIN"
}

# A full Pulumi install ships the host beside its pulumi, which CLI_BIN may only link to: the CLI finds it there
# itself, so it is kept and nothing is built.
installed=$(dirname "$(readlink -f "$CLI_BIN/pulumi")")/pulumi-language-yaml
if [ -x "$installed" ] && [ "$(readlink -f "$installed")" != "$BIN/pulumi-language-yaml" ]; then
  printf '%s\n' "$CLI_BIN" >&3
  exit 0
fi
is_wanted_host "$BIN/pulumi-language-yaml" || build
ln -sfn "$BIN/pulumi-language-yaml" "$CLI_BIN/pulumi-language-yaml"
printf '%s\n' "$CLI_BIN" >&3
