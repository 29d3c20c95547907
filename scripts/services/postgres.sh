# Sourced by scripts/test.sh and scripts/bench.sh: a throwaway PostgreSQL server on loopback, on
# a free port, in a temp folder, with password authentication (scram-sha-256) and TLS from a
# throwaway CA. Exports PATRONSYNC_TEST_POSTGRES_URL and PATRONSYNC_TEST_POSTGRES_CA.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$PG_BIN/initdb" ] || { echo "postgres: no server binaries under /usr/lib/postgresql" >&2; return 1; }
  PG_DIR="$(mktemp -d /tmp/patronsync-postgres.XXXXXX)"
  PG_PORT="$(free_port)"
  PG_PASSWORD="pstest$RANDOM$RANDOM"
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root.
    PG_AS=(runuser -u postgres --)
  fi
  chmod 755 "$PG_DIR"
  echo "$PG_PASSWORD" > "$PG_DIR/pwfile"
  (
    cd "$PG_DIR"
    openssl req -new -x509 -days 2 -nodes -subj "/CN=PatronSync test CA" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -new -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > san.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt 2>/dev/null
    chmod 600 server.key
  )
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$PG_DIR"; fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A scram-sha-256 --pwfile="$PG_DIR/pwfile" -E UTF8 --no-sync >/dev/null
  # max_connections: the parallel suite opens about 90 patronblocks storages at its peak, each with
  # its pool and two summary-notification connections (about 300 connections measured); 300 made
  # unrelated tests fail with "too many clients already".
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key -c max_connections=1000" start >/dev/null
  export PATRONSYNC_TEST_POSTGRES_URL="postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/postgres"
  export PATRONSYNC_TEST_POSTGRES_CA="$PG_DIR/ca.crt"
  echo "postgres: listening on 127.0.0.1:$PG_PORT (data in $PG_DIR)" >&2
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

# A new database on the server PATRONSYNC_TEST_POSTGRES_URL names; prints its URL.
create_postgres_database() {
  local name="$1"
  python3 - "$PATRONSYNC_TEST_POSTGRES_URL" "$name" <<'PY'
import sys, subprocess, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
env = {"PGPASSWORD": u.password or "", "PATH": "/usr/bin:/bin"}
subprocess.run(["psql", "-h", u.hostname, "-p", str(u.port), "-U", u.username, "-d", "postgres", "-qc", f"CREATE DATABASE {sys.argv[2]}"], env=env, check=True)
PY
  echo "${PATRONSYNC_TEST_POSTGRES_URL%/*}/$name"
}

# Waits until something answers HTTP at the URL (any status).
wait_http() {
  for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "no answer from $1" >&2
  return 1
}
