# shellcheck shell=bash
# Sourced, not run: the one way the ensure-* scripts keep a tool they build or link, per tool and version, in a cache
# outside the work tree (~/.cache/pulumi-wechat, or $PULUMI_WECHAT_CACHE), and build one with `go install`. The caller
# defines say and die (its own prefix on stderr).

# Sets CACHE (absolute: builds change directory, and callers put BIN on PATH) and BIN for the folder <name>, then takes
# the folder's lock for the rest of the script, so that concurrent runs (parallel test workers, two terminals) wait for
# a single build instead of each starting their own. $2 says what is being prepared, for the waiting message.
tool_cache() {
  CACHE=${PULUMI_WECHAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wechat}/$1
  mkdir -p "$CACHE/bin"
  CACHE=$(cd "$CACHE" && pwd)
  BIN=$CACHE/bin
  exec 9>"$CACHE/lock"
  if ! flock -n 9; then
    say "waiting for another run that is preparing $2 in $CACHE…"
    flock 9
  fi
}

# `go install <package>@<version>` into BIN as <command> (the package's last element). Built in a directory of its own,
# then moved into place, so a killed build never leaves a binary that a version check would accept. -mod=mod: a
# GOFLAGS=-mod=vendor from the caller's environment would make `go install module@version` refuse. The binary's build
# info records the module version, which `go version -m` reads back.
go_install_tool() {
  local package=$1 version=$2 command=${1##*/}
  rm -rf "$CACHE/build"
  mkdir -p "$CACHE/build"
  GOBIN="$CACHE/build" GOFLAGS=-mod=mod go install "$package@$version" \
    || die "could not build $package@$version with $(go env GOVERSION) from $(go env GOPROXY) (Go's reason above)"
  mv -f "$CACHE/build/$command" "$BIN/$command"
  rm -rf "$CACHE/build"
}
