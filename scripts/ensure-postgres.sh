#!/usr/bin/env bash
# Makes PostgreSQL's server programs (initdb, pg_ctl, postgres, psql) available for the tests of the Pulumi CLI's
# PostgreSQL backend (PULUMI_BACKEND_URL=postgres://…, a state backend the machines of a CI matrix can share) and
# prints the folder that holds them as the last line of stdout. Everything else goes to stderr. Typical use from the
# repo root:
#
#   PG_BIN="$(scripts/ensure-postgres.sh | tail -n 1)"    # e.g. /usr/lib/postgresql/15/bin
#
# An `initdb` on PATH (with pg_ctl, postgres and psql beside it) is used as it is; so is the newest of Debian's
# /usr/lib/postgresql/<version>/bin, where Debian puts them off PATH. Otherwise, as root on a Debian or Ubuntu machine,
# Debian's own package is installed with apt-get (PostgreSQL 15 on Debian 12). Anywhere else the script stops and says
# how to get one.
set -euo pipefail

# All output except the final folder goes to stderr, so callers can take stdout's last line without filtering apt's
# chatter.
exec 3>&1 1>&2

# Explicitly to stderr: inside $(…) fd 1 is the substitution's pipe.
say() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

INSTALL_POSTGRES="install PostgreSQL's server so that initdb and pg_ctl are on PATH or in /usr/lib/postgresql/<version>/bin \
(Debian and Ubuntu: sudo apt-get install -y postgresql; macOS: brew install postgresql; elsewhere: https://www.postgresql.org/download/)"

PROGRAMS="initdb pg_ctl postgres psql"

# A folder that holds every program the tests run.
complete() {
  local program
  for program in $PROGRAMS; do
    [ -x "$1/$program" ] || return 1
  done
}

find_postgres() {
  local found dir
  # Followed to the real folder: Debian's wrappers and Homebrew's links sit apart from the server's programs.
  if found=$(command -v initdb) && dir=$(dirname "$(readlink -f "$found")") && complete "$dir"; then
    printf '%s\n' "$dir"
    return 0
  fi
  # Debian's packages install into /usr/lib/postgresql/<version>/bin, off PATH: the newest version wins.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t / -k 5 -V -r); do
    if complete "$dir"; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

finish() {
  "$1/postgres" --version >&2 || die "$1/postgres does not run: $INSTALL_POSTGRES"
  printf '%s\n' "$1" >&3
  exit 0
}

if dir=$(find_postgres); then
  finish "$dir"
fi

command -v apt-get >/dev/null || die "no initdb on PATH nor in /usr/lib/postgresql, and no apt-get to install it: $INSTALL_POSTGRES."
[ "$(id -u)" = 0 ] || die "no initdb on PATH nor in /usr/lib/postgresql, and installing Debian's package needs root: $INSTALL_POSTGRES."

# One install at a time, so concurrent runs (parallel test workers, two terminals) wait for a single
# apt-get instead of failing on dpkg's lock.
LOCK=${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wechat/postgres-install.lock
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
if ! flock -n 9; then
  say "waiting for another run that is installing postgresql…"
  flock 9
  if dir=$(find_postgres); then finish "$dir"; fi
fi

# The tests start their own servers, each with a data folder of its own, on free ports: the package's cluster
# ("main", on port 5432), where the machine starts one, is not used.
install_postgres() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
}

say "no initdb on PATH nor in /usr/lib/postgresql: installing Debian's package (apt-get install postgresql)…"
if ! install_postgres; then
  # A fresh image has no package lists yet, so apt-get finds no candidate until they are fetched.
  say "apt-get install failed; fetching the package lists (apt-get update) and trying again…"
  apt-get update || die "apt-get update failed: $INSTALL_POSTGRES."
  install_postgres || die "apt-get install postgresql failed: $INSTALL_POSTGRES."
fi

dir=$(find_postgres) || die "apt-get installed postgresql, but initdb is neither on PATH nor in /usr/lib/postgresql/<version>/bin: $INSTALL_POSTGRES."
say "installed $dir"
finish "$dir"
