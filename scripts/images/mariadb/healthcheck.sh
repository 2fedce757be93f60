#!/bin/sh
# Healthcheck of kvms/mariadb: healthy when the server answers over TCP on 127.0.0.1:3306. `ping` exits 0
# even on "access denied", so no password is needed; during first-start initialization the temporary
# server has no networking, so the check only passes once the real server is up.
exec mariadb-admin ping --host=127.0.0.1 --port=3306 --silent --connect-timeout=3
