#!/usr/bin/env bash
# Smoke test of the images from build-images.sh on the Docker engine that DOCKER_HOST names: a database
# (kvms/mariadb) with its data in a temp host directory, the app (kvms/app) as `storefront` and
# `inventory`, and a gateway (kvms/nginx) with an uploaded nginx.conf published on 127.0.0.1:<port>.
# Checks routing, forwarding headers, gzip, a write and a read through `db`, and that the row survives
# replacing the database container. Removes its containers, network and data directory at the end.
#
# Usage:
#   eval "$(bash scripts/docker-engine.sh env)"; bash scripts/images/check-images.sh [PORT]   # default 18080
set -euo pipefail
port="${1:-18080}"
id="kvms-imgcheck-$$"
data=$(mktemp -d)
fail() { echo "check-images: FAIL: $*" >&2; exit 1; }
cleanup() {
  docker rm -f "$id-gw" "$id-storefront" "$id-inventory" "$id-db" >/dev/null 2>&1 || true
  docker network rm "$id" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
t0=$(date +%s.%N)
docker network create "$id" >/dev/null
db() {
  docker run -d --name "$id-db" --network "$id" --network-alias db -e MYSQL_ROOT_PASSWORD=check-pw \
    -e MYSQL_DATABASE=shop -v "$data:/var/lib/mysql" kvms/mariadb:10.11 >/dev/null
  for _ in $(seq 1 60); do docker exec "$id-db" mysqladmin ping --host=127.0.0.1 --silent >/dev/null 2>&1 && return; sleep 1; done
  docker logs "$id-db" >&2; fail "database not healthy after 60 s"
}
db
for svc in storefront inventory; do
  docker run -d --name "$id-$svc" --network "$id" --network-alias "$svc" -e SERVICE_NAME="$svc" \
    -e DB_PASSWORD=check-pw -e DB_NAME=shop kvms/app:1.0 >/dev/null
done
conf=$(mktemp)
cat > "$conf" <<'CONF'
worker_processes 1;
pid /run/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    gzip on; gzip_types application/json; gzip_min_length 256; gzip_proxied any; gzip_vary on;
    upstream storefront { server storefront:8080; keepalive 8; }
    upstream inventory { server inventory:8080; keepalive 8; }
    server {
        listen 80;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        location / { proxy_pass http://storefront; }
        location /api/inventory { proxy_pass http://inventory; }
    }
}
CONF
docker create --name "$id-gw" --network "$id" -p "127.0.0.1:$port:80" kvms/nginx:1.22 >/dev/null
docker cp "$conf" "$id-gw:/etc/nginx/nginx.conf"; rm -f "$conf"
docker start "$id-gw" >/dev/null
base="http://127.0.0.1:$port"
for _ in $(seq 1 30); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.5; done
for _ in $(seq 1 30); do docker exec "$id-storefront" /app healthcheck 2>/dev/null && break; sleep 0.5; done

curl -fsS "$base/" | grep -q '"service": "storefront"' || fail "/ did not reach storefront"
curl -fsS "$base/api/inventory" | grep -q '"service": "inventory"' || fail "/api/inventory did not reach inventory"
curl -fsS "$base/" | grep -q '"x-forwarded-for"' || fail "no X-Forwarded-For at the backend"
curl -fsS -D - -o /dev/null -H 'Accept-Encoding: gzip' "$base/" | grep -qi '^content-encoding: gzip' || fail "no gzip"
curl -fsS -X POST "$base/db?value=check-row" | grep -q '"value": "check-row"' || fail "POST /db did not write"
curl -fsS "$base/db" | grep -q '"value": "check-row"' || fail "GET /db did not read the row"
docker rm -f "$id-db" >/dev/null; db                      # replace the database container, same data
curl -fsS "$base/db" | grep -q '"value": "check-row"' || fail "row lost after replacing the database container"
echo "check-images: OK (routing, X-Forwarded-For, gzip, db write/read, persistence) in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
