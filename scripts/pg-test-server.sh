#!/usr/bin/env bash
# pg-test-server.sh - a throwaway PostgreSQL for the tests.
#
#   scripts/pg-test-server.sh start DIR   # (re)creates DIR, starts, prints env
#   scripts/pg-test-server.sh env DIR     # prints the env of a running instance
#   scripts/pg-test-server.sh stop DIR    # stops it and removes DIR
#
#   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
#
# Installs nothing: the server binaries come from the Debian `postgresql`
# package (apt-get install postgresql), found under /usr/lib/postgresql/*/bin
# (newest version first) or on PATH.  PostgreSQL refuses to run as root, so
# when this script runs as root the cluster belongs to the `postgres` system
# user that the package creates (runuser); as any other user it runs as that
# user.  The superuser role is called `postgres` either way.
#
# The cluster lives in DIR/data, listens on a unix socket in DIR and on
# 127.0.0.1 at the first free port from 54329 (HH_PG_PORT overrides), trusts
# every local connection, and has a database `hhmatch_test`.  `start` on a
# DIR left behind by an earlier run stops that instance and starts afresh,
# so it can be repeated.  stdout carries only the `export ...` line for
# eval; progress and errors go to stderr.
set -euo pipefail

die() { echo "pg-test-server: $*" >&2; exit 1; }
log() { echo "pg-test-server: $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 start|stop|env DIR"
cmd=$1
dir=$2
if [ "$cmd" = start ]; then
	mkdir -p "$dir" 2>/dev/null || true
	[ -d "$dir" ] || die "cannot create directory $dir"
fi
[ -d "$dir" ] || die "no instance in $dir"
dir=$(cd "$dir" && pwd -P)
data=$dir/data

find_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"; return 0
		fi
	done
	d=$(command -v pg_ctl 2>/dev/null || true)
	if [ -n "$d" ] && [ -x "$(dirname "$d")/initdb" ]; then
		dirname "$d"; return 0
	fi
	return 1
}
bindir=$(find_bindir) || die "no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin and PATH); install it: apt-get install postgresql"

# Runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c '"$0" "$@"' -- "$@"
		fi
	else
		"$@"
	fi
}

print_env() {
	local port
	port=$(cat "$dir/port" 2>/dev/null) || die "no instance in $dir (run start first)"
	echo "export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=hhmatch_test"
}

# Stops whatever cluster DIR/data holds, whether or not it still runs.
stop_instance() {
	if [ -f "$data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			true
		# A postmaster that pg_ctl could not reach (wrong owner, stale
		# pid file): kill the pid it recorded, if it is a postgres.
		if [ -f "$data/postmaster.pid" ]; then
			local pid
			pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
			if [ -n "$pid" ] && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
				kill -QUIT "$pid" 2>/dev/null || true
				sleep 1
			fi
		fi
	fi
	# A postmaster whose directory was deleted under it still holds its
	# port: find it by its command line (postgres -D DIR/data).
	local p
	for p in /proc/[0-9]*; do
		if [ "$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" = "$bindir/postgres -D $data " ]; then
			log "stopping a leftover server (pid ${p#/proc/}) for $data"
			kill -QUIT "${p#/proc/}" 2>/dev/null || true
			sleep 1
		fi
	done
}

port_in_use() {
	# Connecting succeeds only when something listens there.
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

case "$cmd" in
start)
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no 'postgres' system user (it comes with the postgresql package)"
	fi
	# The socket path must fit in sun_path (107 bytes).
	[ ${#dir} -le 80 ] || die "directory path too long for a unix socket: $dir (use a shorter one, e.g. under /tmp)"
	stop_instance
	rm -rf "$data" "$dir/port" "$dir/server.log" "$dir"/.s.PGSQL.*
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		chmod 0700 "$dir"
		runuser -u postgres -- test -x "$dir" ||
			die "user postgres cannot reach $dir (a parent directory is closed to it); use a directory under /tmp"
	fi

	port=${HH_PG_PORT:-54329}
	while port_in_use "$port"; do
		port=$((port + 1))
		[ "$port" -lt 54429 ] || die "no free port in 54329-54428"
	done

	log "initdb in $data ($bindir)"
	as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	cat >>"$data/postgresql.conf" <<EOF
# pg-test-server.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
logging_collector = off
EOF
	as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2 || true; die "server did not start"; }
	echo "$port" >"$dir/port"
	as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAtX \
		-c "CREATE DATABASE hhmatch_test" >/dev/null ||
		die "could not create database hhmatch_test"
	log "running on $dir (socket) and 127.0.0.1:$port"
	print_env
	;;
env)
	[ -f "$data/postmaster.pid" ] || die "no running instance in $dir"
	print_env
	;;
stop)
	stop_instance
	# Remove only what looks like ours.
	if [ "$dir" != / ] && { [ -e "$dir/port" ] || [ -d "$data" ] || [ -z "$(ls -A "$dir")" ]; }; then
		rm -rf "$dir"
	else
		die "$dir does not look like a pg-test-server directory; not removing it"
	fi
	log "stopped; removed $dir"
	;;
*)
	die "usage: $0 start|stop|env DIR"
	;;
esac
