#!/bin/sh
# Entry point of the test PostgreSQL image: initialise an empty data directory, then run the server
# as the postgres user. POSTGRES_PASSWORD, when set, is given to the postgres role for TCP clients;
# local (exec) connections are trusted, which is what the tests use.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  su -p postgres -s /bin/sh -c 'initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C'
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    echo "ALTER USER postgres WITH PASSWORD '${POSTGRES_PASSWORD}';" |
      su -p postgres -s /bin/sh -c 'postgres --single -D "$PGDATA" postgres' >/dev/null
  fi
fi
exec su -p postgres -s /bin/sh -c 'exec postgres -D "$PGDATA"'
