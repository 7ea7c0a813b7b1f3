#!/usr/bin/env bash
# Makes actionlint (https://github.com/rhysd/actionlint, the GitHub Actions workflow linter) available at
# the version pinned below and prints, as the last line of stdout, a directory to put first on PATH.
# Everything else goes to stderr. Typical use from the repo root (test/docs/workflows.test.ts does this):
#
#   PATH="$(scripts/ensure-actionlint.sh | tail -n 1):$PATH" actionlint examples/fleet/fleet.yml
#
# Release binaries cannot be downloaded on every machine, so when the cache lacks it, actionlint is built
# with Go from the Go module proxy once per version (`go install …@version`, about 20 s on 2 cores) and cached
# outside the work tree, as scripts/ensure-pulumi.sh does for the Pulumi CLI.
#
# actionlint checks the shell of `run:` steps with shellcheck when shellcheck is on PATH, and silently
# skips that check otherwise. So the directory printed also holds shellcheck: the one on PATH, or else
# Debian's `shellcheck` package (2.6 MB), installed with apt-get when this runs as root. Without either,
# it goes on without (saying so), and the workflows are linted without their scripts.
set -euo pipefail

# The newest release the Go module proxy serves (`go list -m -versions github.com/rhysd/actionlint`).
VERSION=v1.7.12
MODULE=github.com/rhysd/actionlint

# All output except the final directory goes to stderr, so callers can take stdout's last line
# without filtering chatter from go or apt-get.
exec 3>&1 1>&2

# Explicitly to stderr: inside $(…) fd 1 is the substitution's pipe.
say() { printf 'ensure-actionlint: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/tool-cache.sh
. "$ROOT/scripts/lib/tool-cache.sh"
tool_cache "actionlint-$VERSION" "actionlint $VERSION"

is_wanted_actionlint() {
  [ -x "$1" ] && [ "$("$1" -version 2>/dev/null | head -n 1)" = "$VERSION" ]
}

build() {
  command -v go >/dev/null \
    || die "actionlint $VERSION is not in $BIN and there is no Go to build it: install Go >= 1.24, or put actionlint $VERSION (https://github.com/rhysd/actionlint/releases) in $BIN."
  say "building actionlint $VERSION from the Go module proxy (first run on this machine, about 20 s)…"
  # The version the binary prints comes from the module's build info, which `go install …@version` records.
  go_install_tool "$MODULE/cmd/actionlint" "$VERSION"
  is_wanted_actionlint "$BIN/actionlint" || die "the freshly built $BIN/actionlint does not report $VERSION"
  say "built actionlint $VERSION into $BIN"
}

# Links a binary found on PATH into BIN. Resolving the link first matters when BIN itself is on
# PATH: the binary found may already be BIN's own file, which must not become a link to itself.
link_into_bin() {
  local real
  real=$(readlink -f "$1")
  [ "$real" = "$BIN/$2" ] || ln -sfn "$real" "$BIN/$2"
}

works_shellcheck() {
  [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

place_shellcheck() {
  local path
  if works_shellcheck "$BIN/shellcheck"; then return; fi
  rm -f "$BIN/shellcheck" # a link to a shellcheck since removed
  if path=$(command -v shellcheck) && works_shellcheck "$path"; then
    link_into_bin "$path" shellcheck
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's shellcheck package, which actionlint runs on the workflows' run: scripts…"
    # Only the install is serialised across versions of this script: apt-get takes its own lock, but two
    # runs starting together would otherwise both run apt-get update and one would fail on the lock.
    if { flock 8
         DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends shellcheck >/dev/null 2>&1 \
           || { apt-get update -q >/dev/null 2>&1 \
                && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends shellcheck >/dev/null; }
       } 8>/tmp/pulumi-wechat-ensure-shellcheck.lock \
       && path=$(command -v shellcheck) && works_shellcheck "$path"; then
      link_into_bin "$path" shellcheck
      return
    fi
    say "apt-get could not install shellcheck"
  fi
  say "no shellcheck on PATH, so actionlint will not check the workflows' run: scripts (install shellcheck to have them checked)"
}

is_wanted_actionlint "$BIN/actionlint" || build
place_shellcheck
printf '%s\n' "$BIN" >&3
