#!/bin/sh
# Entrypoint of kvms/mariadb (Debian's MariaDB), compatible with the official mariadb image's variables:
#   MARIADB_ROOT_PASSWORD | MYSQL_ROOT_PASSWORD        root password (one of these, or
#   MARIADB_ALLOW_EMPTY_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD, or
#   MARIADB_RANDOM_ROOT_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD, is required on first start)
#   MARIADB_ROOT_HOST | MYSQL_ROOT_HOST                host of the remote root account (default '%')
#   MARIADB_DATABASE | MYSQL_DATABASE                  database created on first start
#   MARIADB_USER | MYSQL_USER, MARIADB_PASSWORD | MYSQL_PASSWORD   user created on first start, granted
#                                                      all on that database
# On first start (no mysql/ in /var/lib/mysql) it runs mariadb-install-db, sets the accounts up, runs
# /docker-entrypoint-initdb.d/*.sql and *.sh, then execs mariadbd listening on 0.0.0.0:3306.
set -eu

log() { echo "$(date -u '+%Y-%m-%d %H:%M:%S') [entrypoint] $*" >&2; }
first() { for v in "$@"; do eval "x=\${$v:-}"; if [ -n "$x" ]; then printf '%s' "$x"; return; fi; done; }
sql_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g"; }

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld "$datadir"
chown mysql:mysql /run/mysqld
find "$datadir" -maxdepth 0 \! -user mysql -exec chown mysql:mysql {} \;

if [ ! -d "$datadir/mysql" ]; then
  root_password=$(first MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD)
  allow_empty=$(first MARIADB_ALLOW_EMPTY_ROOT_PASSWORD MYSQL_ALLOW_EMPTY_PASSWORD)
  random=$(first MARIADB_RANDOM_ROOT_PASSWORD MYSQL_RANDOM_ROOT_PASSWORD)
  if [ -z "$root_password" ] && [ -z "$allow_empty" ] && [ -z "$random" ]; then
    log "error: database is uninitialized and no root password is set: set MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or MARIADB_RANDOM_ROOT_PASSWORD"
    exit 1
  fi
  if [ -z "$root_password" ] && [ -n "$random" ]; then
    root_password=$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32)
    log "GENERATED ROOT PASSWORD: $root_password"
  fi
  root_host=$(first MARIADB_ROOT_HOST MYSQL_ROOT_HOST); root_host=${root_host:-%}
  database=$(first MARIADB_DATABASE MYSQL_DATABASE)
  user=$(first MARIADB_USER MYSQL_USER)
  password=$(first MARIADB_PASSWORD MYSQL_PASSWORD)

  log "initializing $datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --skip-name-resolve \
    --auth-root-authentication-method=normal --default-time-zone=SYSTEM --skip-log-bin >/dev/null

  log "starting a temporary server (no networking)"
  mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --skip-networking --skip-log-bin &
  pid=$!
  i=0
  until mariadb-admin --socket="$socket" -uroot ping --silent >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 60 ] || ! kill -0 "$pid" 2>/dev/null; then log "error: temporary server did not start"; exit 1; fi
    sleep 1
  done

  pw=$(sql_escape "$root_password"); rh=$(sql_escape "$root_host")
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    # mariadb-install-db also makes passwordless root@127.0.0.1, root@::1 and root@<hostname>: keep only
    # root@localhost and root@<root host>, as the official image does.
    for h in '' 127.0.0.1 ::1 "$(hostname)"; do
      [ -n "$h" ] && [ "$h" = "$root_host" ] && continue
      [ -n "$h" ] && echo "DROP USER IF EXISTS 'root'@'$(sql_escape "$h")';"
      echo "DROP USER IF EXISTS ''@'$(sql_escape "${h:-localhost}")';"
    done
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';"
    if [ "$root_host" != localhost ]; then
      echo "CREATE USER IF NOT EXISTS 'root'@'$rh' IDENTIFIED BY '$pw';"
      echo "GRANT ALL ON *.* TO 'root'@'$rh' WITH GRANT OPTION;"
    fi
    if [ -n "$database" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$(printf '%s' "$database" | sed 's/`/``/g')\`;"
    fi
    if [ -n "$user" ] && [ -n "$password" ]; then
      echo "CREATE USER '$(sql_escape "$user")'@'%' IDENTIFIED BY '$(sql_escape "$password")';"
      if [ -n "$database" ]; then
        echo "GRANT ALL ON \`$(printf '%s' "$database" | sed 's/`/``/g')\`.* TO '$(sql_escape "$user")'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot --binary-mode

  # Client credentials for the rest of the setup, in a file only root can read (not on the command line).
  creds=/run/mysqld/init-client.cnf
  umask 077
  printf '[client]\nuser=root\npassword="%s"\nsocket=%s\n' "$(printf '%s' "$root_password" | sed 's/\\/\\\\/g; s/"/\\"/g')" "$socket" > "$creds"
  umask 022
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sql) log "running $f"; mariadb --defaults-extra-file="$creds" ${database:+--database="$database"} < "$f" ;;
      *.sql.gz) log "running $f"; gzip -dc "$f" | mariadb --defaults-extra-file="$creds" ${database:+--database="$database"} ;;
      *.sh) log "sourcing $f"; . "$f" ;;
      *) log "ignoring $f" ;;
    esac
  done

  log "stopping the temporary server"
  mariadb-admin --defaults-extra-file="$creds" shutdown
  wait "$pid" || true
  rm -f "$creds"
  log "initialization done"
fi

shift
exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 --port=3306 "$@"
