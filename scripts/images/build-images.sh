#!/usr/bin/env bash
# Builds the container images of the end-to-end tests locally, without any image registry, and imports
# them into the Docker engine that DOCKER_HOST names (start ours first:
#   bash scripts/docker-engine.sh start && eval "$(bash scripts/docker-engine.sh env)").
#
# Usage:
#   bash scripts/images/build-images.sh [--force] [nginx|nginx-1.30|mariadb|app ...]   # default: all four
#   bash scripts/images/build-images.sh --tags                                          # print the stable tags
#
# Images (each root filesystem is made from Debian .debs fetched with `apt-get download` and unpacked
# with dpkg-deb, or from a static Go binary, or with debootstrap; then `docker import` with --change lines):
#   kvms/nginx:1.22     Debian bookworm's nginx with the stream module (dynamic: load_module
#                       /usr/lib/nginx/modules/ngx_stream_module.so); CMD nginx -g 'daemon off;' with
#                       /etc/nginx/nginx.conf (Debian's default until a gateway uploads its own); logs to
#                       stdout/stderr; EXPOSE 80. Also has sh (dash), coreutils (what the activation job runs) and
#                       `busybox wget` for healthchecks.
#   kvms/nginx:1.30     Debian sid's nginx (1.30) with the stream module (dynamic, as above), from
#                       `debootstrap --variant=minbase` (sh, cat, cp, mv, rm, sleep included); docs and apt
#                       lists trimmed; logs, CMD and EXPOSE as kvms/nginx:1.22. The debootstrap root is
#                       cached under the cache directory below and rebuilt only with --force (sid changes
#                       daily); the image's content tag hashes this script and the root's package versions.
#   kvms/mariadb:10.11  Debian's MariaDB server; entrypoint with the official image's variables
#                       (MYSQL_ROOT_PASSWORD / MARIADB_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER, ...,
#                       /docker-entrypoint-initdb.d/*.sql); listens on 0.0.0.0:3306; `mysqladmin` and
#                       /usr/local/bin/healthcheck.sh for healthchecks; EXPOSE 3306. No VOLUME (mount
#                       the data directory explicitly; an anonymous volume would outlive `destroy`).
#   kvms/app:1.0        scripts/images/app (Go, static): echo of the request as JSON on any path,
#                       /db reads (GET) or writes (POST ?value=) a row in the database at DB_HOST (db);
#                       /healthz; `/app healthcheck` for Docker; PORT 8080; runs as uid 65534.
# Every image also gets a content tag kvms/<name>:<hash> (hash of this script less comments, its own files and
# the exact Debian package versions, or the Go sources and Go version). An image whose content tag is
# already in the engine is not rebuilt; the stable tag is (re)pointed at it. .debs are cached under
# ${KVMS_CACHE:-~/.cache/cdktf-kvm-microservices}/images/debs-rootfs.
# Needs: docker CLI, apt-get/apt-cache (Debian bookworm sources), dpkg-deb, tar, and go for the app.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export KVMS_CACHE="${KVMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdktf-kvm-microservices}"
debcache="$KVMS_CACHE/images/debs-rootfs"
mkdir -p "$KVMS_CACHE/images"

NGINX_TAG=kvms/nginx:1.22
NGINX_SID_TAG=kvms/nginx:1.30
MARIADB_TAG=kvms/mariadb:10.11
APP_TAG=kvms/app:1.0

# Dependencies never unpacked: maintainer-script helpers and Perl (no package scripts run in an image).
EXCLUDE=" debconf cdebconf debconf-2.0 adduser passwd lsb-base init-system-helpers sensible-utils perl perl-base
  perl-modules-5.36 libperl5.36 libconfig-inifiles-perl libdbi-perl libdbd-mariadb-perl iproute2 systemd
  libsystemd-shared usr-is-merged usrmerge dpkg tar gzip login util-linux install-info "

log() { echo "build-images: $*" >&2; }

# apt-cache with a package cache file of our own (Docker-style apt configs disable it, and then every call
# re-reads all package lists).
apt_cache() { apt-cache -o Dir::Cache::pkgcache="$KVMS_CACHE/images/apt-pkgcache.bin" -o Dir::Cache::srcpkgcache= "$@"; }

# Prints "package=version" for the packages given and their Depends/Pre-Depends (first installable
# alternative; providers of virtual packages), leaving out $EXCLUDE. One apt-cache call per level.
resolve() {
  mkdir -p "$KVMS_CACHE/images"
  local -A seen=() ok=()
  local level=("$@") next p alt group chosen line
  for p in "$@"; do seen[$p]=1; done
  while [ "${#level[@]}" -gt 0 ]; do
    local groups
    groups=$(apt_cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
               --no-enhances "${level[@]}" 2>/dev/null | awk '
      function flush() { if (g != "") print pkg "\t" g; g = "" }
      /^[^ ]/ { flush(); pkg = $1; cont = 0; pend = 0; next }
      /^ [ |](Pre)?Depends: / {
        alt = $2; sub(/:any$/, "", alt); gsub(/[<>]/, "", alt)
        virt = ($2 ~ /^</)
        if (!cont) flush()
        if (virt) { pend = 1 } else { g = g " " alt; pend = 0 }
        cont = ($0 ~ /^ \|/); next
      }
      /^    / && pend { prov = $1; sub(/:any$/, "", prov); g = g " " prov; next }
      { pend = 0 }
      END { flush() }')
    # Which alternatives have a candidate version (one call).
    local alts
    alts=$(printf '%s\n' "$groups" | cut -f2 | tr ' ' '\n' | grep -v '^$' | sort -u || true)
    if [ -n "$alts" ]; then
      # shellcheck disable=SC2086
      while read -r line; do ok[$line]=1; done < <(apt_cache policy $alts 2>/dev/null | awk '
        /^[^ ]/ { p = $1; sub(/:$/, "", p) } /Candidate:/ && $2 != "(none)" { print p }')
    fi
    next=()
    while IFS=$'\t' read -r p group; do
      [ -n "$group" ] || continue
      chosen=""
      for alt in $group; do
        if [ -n "${seen[$alt]:-}" ] || [[ "$EXCLUDE" == *" $alt "* ]]; then chosen=skip; break; fi
      done
      [ -z "$chosen" ] || continue
      for alt in $group; do
        if [ -n "${ok[$alt]:-}" ]; then chosen=$alt; break; fi
      done
      [ -n "$chosen" ] || { log "no installable alternative among:$group (needed by $p)"; return 1; }
      seen[$chosen]=1; next+=("$chosen")
    done <<<"$groups"
    level=("${next[@]}")
  done
  apt_cache policy "${!seen[@]}" | awk '/^[^ ]/ { p = $1; sub(/:$/, "", p) } /Candidate:/ { print p "=" $2 }' | sort
}

# Unpacks the given "package=version" list into $1 (merged /usr layout).
unpack() {
  local dir=$1; shift
  mkdir -p "$debcache" "$dir"/usr/{bin,sbin,lib,lib64}
  ln -s usr/bin "$dir/bin"; ln -s usr/sbin "$dir/sbin"; ln -s usr/lib "$dir/lib"; ln -s usr/lib64 "$dir/lib64"
  local missing=() pv deb
  for pv in "$@"; do
    deb=$(ls "$debcache/${pv%%=*}_"*.deb 2>/dev/null | grep -F "_$(echo "${pv#*=}" | sed 's/:/%3a/')_" | head -1 || true)
    [ -n "$deb" ] || missing+=("$pv")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get download ${#missing[@]} packages"
    (cd "$debcache" && apt-get download -qq "${missing[@]}" 2>&1 | grep -v 'unsandboxed' >&2 || true)
  fi
  for pv in "$@"; do
    deb=$(ls "$debcache/${pv%%=*}_"*.deb 2>/dev/null | grep -F "_$(echo "${pv#*=}" | sed 's/:/%3a/')_" | head -1 || true)
    [ -n "$deb" ] || { log "download failed: $pv"; return 1; }
    dpkg-deb --fsys-tarfile "$deb" | tar -C "$dir" -x --keep-directory-symlink
  done
  mkdir -p "$dir"/{etc,tmp,run,var/tmp,root}
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  [ -e "$dir/var/run" ] || ln -s /run "$dir/var/run"
  if [ -f "$dir/usr/share/base-passwd/passwd.master" ]; then
    cp "$dir/usr/share/base-passwd/passwd.master" "$dir/etc/passwd"
    cp "$dir/usr/share/base-passwd/group.master" "$dir/etc/group"
  fi
  printf 'hosts: files dns\npasswd: files\ngroup: files\n' > "$dir/etc/nsswitch.conf"
  rm -rf "$dir"/usr/share/{doc,man,info,locale,lintian,bug,bash-completion,common-licenses}
}

# Imports directory $2 as image $1 with the remaining args as --change instructions.
import() {
  local tag=$1 dir=$2; shift 2
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" --numeric-owner --sort=name --mtime=@0 -cf - . | docker import "${changes[@]}" - "$tag" >/dev/null
}

key_of() { sha256sum | cut -c1-16; }
workroot=$(mktemp -d)
trap 'rm -rf "$workroot"' EXIT
have() { docker image inspect "$1" >/dev/null 2>&1; }
# Removes older content tags of a repository (kvms/<name>:<16 hex>) other than $2; in-use ones stay, and
# so do those of an image a stable tag still names (kvms/nginx holds two images, 1.22 and 1.30).
prune_old() {
  local t id stable
  stable=$(docker image ls --format '{{.Tag}} {{.ID}}' "$1" | awk '$1 !~ /^[0-9a-f]{16}$/ { print $2 }')
  # `|| true`: an engine that holds no older tag (a fresh one) leaves grep with nothing to print.
  { docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' "$1" | grep -E ':[0-9a-f]{16} ' | grep -v "^$2 " || true; } |
    while read -r t id; do
      [[ " $(echo $stable) " == *" $id "* ]] && continue
      docker image rm "$t" >/dev/null 2>&1 && log "removed superseded $t" || true
    done
}

build_nginx() {
  local pkgs key tag work
  pkgs=$(resolve nginx nginx-common libnginx-mod-stream dash busybox coreutils base-passwd)
  key=$( { grep -v "^[[:space:]]*#" "$0"; echo "$pkgs"; } | key_of); tag="kvms/nginx:$key"
  if have "$tag"; then docker tag "$tag" "$NGINX_TAG"; log "cached $NGINX_TAG = $tag"; return; fi
  work=$(mktemp -d "$workroot/$FUNCNAME.XXXXXX")
  # shellcheck disable=SC2086
  unpack "$work/root" $pkgs
  local r=$work/root
  mkdir -p "$r/var/lib/nginx" "$r/var/log/nginx" "$r/var/www/html"
  ln -sf /dev/stdout "$r/var/log/nginx/access.log"; ln -sf /dev/stderr "$r/var/log/nginx/error.log"
  ln -sf dash "$r/usr/bin/sh"
  echo '<html><body>kvms/nginx</body></html>' > "$r/var/www/html/index.html"
  import "$tag" "$r" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 80' \
    'CMD ["nginx", "-g", "daemon off;"]'
  docker tag "$tag" "$NGINX_TAG"; log "built $NGINX_TAG = $tag"; prune_old "kvms/nginx" "$tag"
}

# The sid root for kvms/nginx:1.30, made once and kept: its directory name hashes the debootstrap command,
# so a changed package list makes a new root; --force makes it again.
SID_INCLUDE=nginx-light,libnginx-mod-stream
SID_MIRROR=http://deb.debian.org/debian
sid_root() {
  local dir
  dir="$KVMS_CACHE/images/sid-root-$(echo "minbase $SID_INCLUDE sid $SID_MIRROR" | key_of)"
  if [ "$force" = 1 ] || [ ! -f "$dir.done" ]; then
    rm -rf "$dir" "$dir.done" "$dir.partial"
    log "debootstrap sid ($SID_INCLUDE) into the cache"
    debootstrap --variant=minbase --include="$SID_INCLUDE" sid "$dir.partial" "$SID_MIRROR" >"$workroot/debootstrap.log" 2>&1 \
      || { tail -20 "$workroot/debootstrap.log" >&2; rm -rf "$dir.partial"; return 1; }
    mv "$dir.partial" "$dir"; touch "$dir.done"
  fi
  echo "$dir"
}

build_nginx_sid() {
  local root versions key tag work
  command -v debootstrap >/dev/null || { log "debootstrap is needed to build $NGINX_SID_TAG"; return 1; }
  root=$(sid_root)
  versions=$(awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }' "$root/var/lib/dpkg/status" | sort)
  key=$( { grep -v "^[[:space:]]*#" "$0"; echo "$versions"; } | key_of); tag="kvms/nginx:$key"
  if have "$tag"; then docker tag "$tag" "$NGINX_SID_TAG"; log "cached $NGINX_SID_TAG = $tag"; return; fi
  work=$(mktemp -d "$workroot/$FUNCNAME.XXXXXX")
  local r=$work/root
  cp -a "$root" "$r"
  rm -rf "$r"/usr/share/{doc,man,info,locale,lintian,bug,bash-completion,common-licenses} \
    "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/* "$r"/var/cache/debconf/*-old "$r"/var/log/*.log "$r"/var/log/apt/*
  mkdir -p "$r/var/log/nginx"
  ln -sf /dev/stdout "$r/var/log/nginx/access.log"; ln -sf /dev/stderr "$r/var/log/nginx/error.log"
  import "$tag" "$r" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 80' \
    'CMD ["nginx", "-g", "daemon off;"]'
  docker tag "$tag" "$NGINX_SID_TAG"; log "built $NGINX_SID_TAG = $tag"; prune_old "kvms/nginx" "$tag"
}

build_mariadb() {
  local pkgs key tag work
  pkgs=$(resolve mariadb-server-core mariadb-client-core mariadb-client mariadb-common dash coreutils sed grep \
    findutils hostname debianutils mawk gzip base-passwd libc-bin)
  key=$( { grep -v "^[[:space:]]*#" "$0"; cat "$here"/mariadb/*; echo "$pkgs"; } | key_of); tag="kvms/mariadb:$key"
  if have "$tag"; then docker tag "$tag" "$MARIADB_TAG"; log "cached $MARIADB_TAG = $tag"; return; fi
  work=$(mktemp -d "$workroot/$FUNCNAME.XXXXXX")
  # shellcheck disable=SC2086
  unpack "$work/root" $pkgs
  local r=$work/root
  ln -sf dash "$r/usr/bin/sh"
  echo 'mysql:x:999:999:MariaDB Server:/nonexistent:/bin/false' >> "$r/etc/passwd"
  echo 'mysql:x:999:' >> "$r/etc/group"
  mkdir -p "$r/etc/mysql/conf.d" "$r/var/lib/mysql" "$r/run/mysqld" "$r/docker-entrypoint-initdb.d" "$r/usr/local/bin"
  rm -f "$r/etc/mysql/my.cnf"; cp "$here/mariadb/my.cnf" "$r/etc/mysql/my.cnf"
  install -m 755 "$here/mariadb/docker-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
  install -m 755 "$here/mariadb/healthcheck.sh" "$r/usr/local/bin/healthcheck.sh"
  chown 999:999 "$r/var/lib/mysql" "$r/run/mysqld"
  # Keep the few client tools the image needs (each is ~5 MB; Perl ones cannot run without Perl).
  local f target keep=" mariadb mariadb-admin mariadb-dump mariadb-install-db my_print_defaults resolveip "
  for f in "$r"/usr/bin/*; do
    case "${f##*/}" in mariadb*|mysql*|my_*|innochecksum|innotop|mytop|msql2mysql|perror|replace|resolve*|aria_*|myisam*) ;; *) continue ;; esac
    target=$(basename "$(readlink -f "$f")")
    [[ "$keep" == *" $target "* ]] || rm -f "$f"
  done
  import "$tag" "$r" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 3306' \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["mariadbd"]'
  docker tag "$tag" "$MARIADB_TAG"; log "built $MARIADB_TAG = $tag"; prune_old "kvms/mariadb" "$tag"
}

build_app() {
  local key tag work
  command -v go >/dev/null || { log "go is needed to build kvms/app"; return 1; }
  key=$( { grep -v "^[[:space:]]*#" "$0"; cd "$here/app" && cat go.mod go.sum ./*.go; go version; } | key_of); tag="kvms/app:$key"
  if have "$tag"; then docker tag "$tag" "$APP_TAG"; log "cached $APP_TAG = $tag"; return; fi
  work=$(mktemp -d "$workroot/$FUNCNAME.XXXXXX")
  local r=$work/root; mkdir -p "$r/etc" "$r/tmp"; chmod 1777 "$r/tmp"
  (cd "$here/app" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$r/app" .)
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
  printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"
  import "$tag" "$r" \
    'ENV PORT=8080' 'EXPOSE 8080' 'USER 65534:65534' \
    'ENTRYPOINT ["/app"]'
  docker tag "$tag" "$APP_TAG"; log "built $APP_TAG = $tag"; prune_old "kvms/app" "$tag"
}

force=0; names=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    --tags) echo "$NGINX_TAG $NGINX_SID_TAG $MARIADB_TAG $APP_TAG"; exit 0 ;;
    nginx|nginx-1.30|mariadb|app) names+=("$a") ;;
    *) echo "usage: $0 [--force] [--tags] [nginx|nginx-1.30|mariadb|app ...]" >&2; exit 2 ;;
  esac
done
[ "${#names[@]}" -gt 0 ] || names=(nginx nginx-1.30 mariadb app)
docker version >/dev/null 2>&1 || { log "no Docker engine at DOCKER_HOST=${DOCKER_HOST:-unset}; start it: bash scripts/docker-engine.sh start && eval \"\$(bash scripts/docker-engine.sh env)\""; exit 1; }
if [ "$force" = 1 ]; then have() { false; }; fi
if [[ "$(apt_cache policy nginx-common 2>/dev/null)" != *"Candidate: "[0-9]* ]]; then
  log "apt has no package lists (apt-cache policy nginx-common shows no candidate): run apt-get update first"; exit 1
fi
for n in "${names[@]}"; do
  t=$(date +%s.%N); "build_${n/nginx-1.30/nginx_sid}"; log "$n: $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
done
