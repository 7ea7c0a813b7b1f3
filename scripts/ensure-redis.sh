#!/usr/bin/env bash
# Makes `redis-server` available for the token-store tests (a real Redis, as third-party platforms run
# one beside their WeChat SDK) and prints its path as the last line of stdout. Everything else goes to
# stderr. Typical use from the repo root:
#
#   REDIS_SERVER="$(scripts/ensure-redis.sh | tail -n 1)"
#
# A `redis-server` on PATH (or in /usr/sbin, /usr/bin, where Debian puts it) is used as it is. Otherwise,
# as root on a Debian or Ubuntu machine, Debian's own package is installed with apt-get (Redis 7.0 on
# Debian 12). Anywhere else the script stops and says how to get one.
set -euo pipefail

# All output except the final path goes to stderr, so callers can take stdout's last line without
# filtering apt's chatter.
exec 3>&1 1>&2

# Explicitly to stderr: inside $(…) fd 1 is the substitution's pipe.
say() { printf 'ensure-redis: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

INSTALL_REDIS="install Redis so that redis-server is on PATH (Debian and Ubuntu: \
sudo apt-get install -y redis-server; macOS: brew install redis; elsewhere: https://redis.io/docs/latest/operate/oss_and_stack/install/)"

find_redis() {
  local found
  if found=$(command -v redis-server); then
    printf '%s\n' "$found"
    return 0
  fi
  # Debian's package installs into /usr/bin, but a PATH without it (a minimal CI image) would miss it.
  for found in /usr/bin/redis-server /usr/sbin/redis-server /usr/local/bin/redis-server; do
    if [ -x "$found" ]; then
      printf '%s\n' "$found"
      return 0
    fi
  done
  return 1
}

finish() {
  "$1" --version >&2 || die "$1 does not run: $INSTALL_REDIS"
  printf '%s\n' "$1" >&3
  exit 0
}

if path=$(find_redis); then
  finish "$path"
fi

command -v apt-get >/dev/null || die "no redis-server on PATH and no apt-get to install it: $INSTALL_REDIS."
[ "$(id -u)" = 0 ] || die "no redis-server on PATH, and installing Debian's package needs root: $INSTALL_REDIS."

# One install at a time, so concurrent runs (parallel test workers, two terminals) wait for a single
# apt-get instead of failing on dpkg's lock.
LOCK=${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wechat/redis-install.lock
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
if ! flock -n 9; then
  say "waiting for another run that is installing redis-server…"
  flock 9
  if path=$(find_redis); then finish "$path"; fi
fi

# The tests start their own servers on free ports: the package's service, where the machine starts
# one, is not used.
install_redis() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
}

say "no redis-server on PATH: installing Debian's package (apt-get install redis-server)…"
if ! install_redis; then
  # A fresh image has no package lists yet, so apt-get finds no candidate until they are fetched.
  say "apt-get install failed; fetching the package lists (apt-get update) and trying again…"
  apt-get update || die "apt-get update failed: $INSTALL_REDIS."
  install_redis || die "apt-get install redis-server failed: $INSTALL_REDIS."
fi

path=$(find_redis) || die "apt-get installed redis-server, but it is not on PATH nor in /usr/bin: $INSTALL_REDIS."
say "installed $path"
finish "$path"
