# Sourced by test.sh: starts a throwaway Redis and PostgreSQL on free loopback ports, exports
# FLIGHTDECK_TEST_REDIS_URL and FLIGHTDECK_TEST_DATABASE_URL (the tests create one database per
# test from that admin URL), and stops both and deletes their data when the sourcing shell exits.
# Installs the Debian packages when absent; relies on no service already running.
# The cleanup is chained onto the caller's EXIT trap: set any later EXIT trap the same way.
# shellcheck shell=bash

# env.sh defines `step`; source it when the caller has not.
declare -F step >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# initdb and postgres refuse to run as root: run them as the postgres user when root.
_services_as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Installs a Debian package, running apt-get update first only if the plain install fails.
_services_apt_install() {
  if [[ $EUID -ne 0 ]]; then
    echo "services.sh: $1 is not installed, and installing it needs root" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" ||
    { DEBIAN_FRONTEND=noninteractive apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y "$1"; }
}

# Prints a TCP port that nothing listens on, other than the ports given. The range stays below
# Linux's ephemeral ports (32768 and up), so outgoing connections cannot take it meanwhile.
_services_free_port() {
  local port tries
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + RANDOM % 12000))
    [[ " $* " == *" $port "* ]] && continue
    if command -v ss >/dev/null; then
      [[ -z $(ss -Htln "sport = :$port") ]] && { echo "$port"; return 0; }
    # Without ss: a refused connection means no listener.
    elif ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "services.sh: found no free port in 20000-31999" >&2
  return 1
}

# Prints the last lines of a log, to explain a failure.
_services_log_tail() {
  [[ -f $1 ]] && tail -n 20 "$1" | sed 's/^/    /' >&2
  return 0
}

# Stops both servers and deletes their directory. Safe to call more than once, and with nothing
# started; never fails, so the rest of the EXIT trap still runs.
services_stop() {
  local - i
  set +e
  if [[ -n ${_services_pg_ctl:-} && -f ${_services_dir:-}/data/postmaster.pid ]]; then
    _services_as_pg "$_services_pg_ctl" -D "$_services_dir/data" -m immediate -w stop \
      >/dev/null 2>&1
  fi
  if [[ -n ${_services_redis_pid:-} ]]; then
    kill "$_services_redis_pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 "$_services_redis_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$_services_redis_pid" 2>/dev/null
    wait "$_services_redis_pid" 2>/dev/null
  fi
  [[ -n ${_services_dir:-} ]] && rm -rf -- "$_services_dir"
  unset _services_dir _services_pg_ctl _services_redis_pid \
    FLIGHTDECK_TEST_REDIS_URL FLIGHTDECK_TEST_DATABASE_URL
  return 0
}

# Runs services_stop on exit, before whatever EXIT trap the caller had set.
_services_trap_exit() {
  local prev
  prev=$(trap -p EXIT)
  # `trap -p` prints `trap -- 'COMMAND' EXIT`, COMMAND quoted for reuse: take it back out.
  if [[ -n $prev ]]; then
    prev=${prev#trap -- }
    eval "prev=${prev% EXIT}"
  fi
  # shellcheck disable=SC2064 # the caller's command is meant to be expanded now
  trap "services_stop${prev:+; $prev}" EXIT
}

services_start() {
  local -
  set -euo pipefail
  # Sourced twice in one shell: the servers already run.
  [[ -n ${_services_dir:-} ]] && return 0
  local started=${EPOCHREALTIME//[!0-9]/}

  command -v redis-server >/dev/null || _services_apt_install redis-server
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    _services_apt_install postgresql
  fi
  local pg_bin
  pg_bin=$(dirname "$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "services.sh: no postgres user to run PostgreSQL as (the postgresql package makes it)" >&2
    return 1
  fi

  # Under /tmp (not $TMPDIR, which may sit in a home postgres cannot enter), owned by postgres.
  _services_dir=$(mktemp -d /tmp/flightdeck-services.XXXXXX)
  [[ $EUID -eq 0 ]] && chown postgres: "$_services_dir"
  if [[ ${_services_trapped:-} != 1 ]]; then
    _services_trap_exit
    _services_trapped=1
  fi

  # Redis starts in the background while PostgreSQL initialises.
  local redis_port pg_port
  redis_port=$(_services_free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$_services_dir" </dev/null >"$_services_dir/redis.log" 2>&1 &
  _services_redis_pid=$!

  pg_port=$(_services_free_port "$redis_port")
  if ! _services_as_pg "$pg_bin/initdb" -D "$_services_dir/data" -U postgres --auth=trust \
    --no-sync -E UTF8 --locale=C.UTF-8 >"$_services_dir/initdb.log" 2>&1; then
    echo "services.sh: initdb failed:" >&2
    _services_log_tail "$_services_dir/initdb.log"
    return 1
  fi
  _services_pg_ctl=$pg_bin/pg_ctl
  if ! _services_as_pg "$_services_pg_ctl" -D "$_services_dir/data" -l "$_services_dir/pg.log" \
    -o "-k $_services_dir -p $pg_port -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    -w -t 30 start >/dev/null; then
    echo "services.sh: PostgreSQL did not start on 127.0.0.1:$pg_port:" >&2
    _services_log_tail "$_services_dir/pg.log"
    return 1
  fi

  local deadline=$((SECONDS + 10))
  until [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; do
    if ! kill -0 "$_services_redis_pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "services.sh: Redis did not answer PING on 127.0.0.1:$redis_port within 10 s:" >&2
      _services_log_tail "$_services_dir/redis.log"
      return 1
    fi
    sleep 0.05
  done

  export FLIGHTDECK_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  export FLIGHTDECK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"

  local redis_version pg_version elapsed_ms
  redis_version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
  pg_version=$("$pg_bin/postgres" --version | awk '{ print $3 }')
  elapsed_ms=$(((${EPOCHREALTIME//[!0-9]/} - started) / 1000))
  step "services: Redis $redis_version on 127.0.0.1:$redis_port," \
    "PostgreSQL $pg_version on 127.0.0.1:$pg_port (up in ${elapsed_ms} ms)"
}

services_start
