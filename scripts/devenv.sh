#!/usr/bin/env bash
# Sets up everything landreg needs on a Debian machine, idempotently:
# system packages, the virtualenv, front-end assets, and a private PostGIS cluster.
# Usage: scripts/devenv.sh setup | start-db | stop-db | cluster | cluster-dir
#   cluster      initialise and start a cluster with the landreg role and database, without touching .data/env
#                (LANDREG_PGDATA names its folder; tests/ops/test_backup.py makes its own primary this way)
#   cluster-dir  print the folder of the private cluster
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
# chromium is Debian's browser that the browser tests drive (Playwright never downloads one).
# WeasyPrint renders letters and deeds with Pango/HarfBuzz and Noto fonts (Arabic script for Dari and Pashto);
# the document tests read the PDFs back with poppler-utils (pdftotext, pdftoppm) and scan the QR code with zbarimg.
APT_PACKAGES="postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting gdal-bin libgdal-dev libpq-dev python3-venv chromium nodejs npm libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core poppler-utils zbar-tools gettext python3-qgis qgis-providers pgbackrest nginx"
PG_BIN=/usr/lib/postgresql/15/bin

say() { printf '\033[1m[landreg]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_system_packages() {
  local wanted="$APT_PACKAGES ${EXTRA_APT_PACKAGES:-}" missing=()
  # Any working npm will do; Debian's is only needed when there is none.
  command -v npm >/dev/null && wanted="${wanted/nodejs npm/}"
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}"
  fi
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv in .venv"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.landreg-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    say "installing the project and its dependencies into .venv"
    "$VENV/bin/pip" install -q -U pip
    "$VENV/bin/pip" install -q -e "$ROOT[dev]"
    touch "$stamp"
  fi
}

ensure_assets() {
  local stamp="$ROOT/node_modules/.landreg-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/package.json" -nt "$stamp" ]; then
    say "installing pinned front-end packages from the npm registry"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
  # Copy only the built files we serve; nothing is loaded from a CDN.
  local vendor="$ROOT/webmap/static/vendor"
  mkdir -p "$vendor/ol"
  # The source map is not shipped, so drop the line that points at it.
  # OpenLayers' OSM and Google sources default to internet tile servers; we never use them (the map widget's
  # background is our own province outlines), and the copy points them at local paths so nothing could reach out.
  sed -e '/^\/\/# sourceMappingURL=/d' \
    -e 's#https://tile\.openstreetmap\.org/{z}/{x}/{y}\.png#/static/no-internet-basemap/{z}/{x}/{y}.png#' \
    -e 's#https://tile\.googleapis\.com/#/static/no-internet-basemap/#' \
    "$ROOT/node_modules/ol/dist/ol.js" > "$vendor/ol/ol.js"
  cp "$ROOT/node_modules/ol/ol.css" "$vendor/ol/ol.css"
  # MapLibre GL JS for the land officers' map (the UMD build: one script, its worker inlined).
  mkdir -p "$vendor/maplibre"
  sed -e '/^\/\/# sourceMappingURL=/d' "$ROOT/node_modules/maplibre-gl/dist/maplibre-gl.js" > "$vendor/maplibre/maplibre-gl.js"
  cp "$ROOT/node_modules/maplibre-gl/dist/maplibre-gl.css" "$vendor/maplibre/maplibre-gl.css"
  # MapLibre's right-to-left plugin: joins Arabic-script letters and orders Dari and Pashto labels right to left
  # (asm.js, no WebAssembly, so no CSP exception); the map loads it only when it draws such a label.
  mkdir -p "$vendor/mapbox-gl-rtl-text"
  cp "$ROOT/node_modules/@mapbox/mapbox-gl-rtl-text/mapbox-gl-rtl-text.min.js" "$vendor/mapbox-gl-rtl-text/"
}

# Translations: compile every .po that changed (msgfmt from Debian's gettext; the .mo files are not in git).
ensure_messages() {
  local po
  while IFS= read -r po; do
    if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then msgfmt --check -o "${po%.po}.mo" "$po"; fi
  done < <(find "$ROOT" -path "$ROOT/node_modules" -prune -o -path "$ROOT/.venv" -prune -o -name '*.po' -path '*/LC_MESSAGES/*' -print)
}

# Where the cluster lives: .data/pg when the postgres user can enter the checkout,
# otherwise a folder of its own under /var/lib/postgresql, keyed by the checkout path
# (CI clones under /root, which postgres cannot enter). Unix socket paths are limited
# to about 100 bytes, so a very deep checkout uses that folder too.
cluster_dir() {
  if [ -n "${LANDREG_PGDATA:-}" ]; then echo "$LANDREG_PGDATA"; return; fi
  mkdir -p "$DATA"
  if [ ${#DATA} -lt 80 ] && { [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$DATA"; }; then
    echo "$DATA/pg"
  else
    echo "/var/lib/postgresql/landreg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  fi
}

pg_run() {  # run a PostgreSQL binary as the cluster owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_cluster() {
  local dir; dir=$(cluster_dir)
  if [ ! -f "$dir/PG_VERSION" ]; then
    say "initialising a private PostgreSQL cluster in $dir"
    if [ "$(id -u)" = 0 ]; then
      mkdir -p "$dir"; chown postgres:postgres "$dir"; chmod 700 "$dir"
    else
      mkdir -p "$dir"; chmod 700 "$dir"
    fi
    pg_run "$PG_BIN/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$dir/postgresql.conf" <<CONF
# landreg: unix socket only, in the cluster folder
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = ${LANDREG_PG_FSYNC:-on}
CONF
  fi
  if ! pg_run "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    say "starting PostgreSQL (socket in $dir)"
    pg_run "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
  fi
  echo "$dir"
}

psql_admin() {  # psql as the cluster superuser over the socket
  local dir="$1"; shift
  pg_run "$PG_BIN/psql" -h "$dir" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

ensure_database() {
  local dir="$1"
  # PostGIS and pg_trgm in template1, so the test database Django creates has them too.
  psql_admin "$dir" -d template1 -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS pgrouting;"
  if [ "$(psql_admin "$dir" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='landreg'")" != 1 ]; then
    say "creating the application role 'landreg'"
    psql_admin "$dir" -d postgres -c "CREATE ROLE landreg LOGIN CREATEDB CREATEROLE"
  fi
  if [ "$(psql_admin "$dir" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='landreg'")" != 1 ]; then
    say "creating the database 'landreg'"
    psql_admin "$dir" -d postgres -c "CREATE DATABASE landreg OWNER landreg"
  fi
  # Lets the landreg role give its databases a default for pgtrigger.ignore (landreg migration 0007): unset,
  # every history trigger opens a subtransaction per row and bulk writes turn quadratic.
  psql_admin "$dir" -d postgres -c "GRANT SET ON PARAMETER pgtrigger.ignore TO landreg"
}

write_env() {  # write_env [cluster dir]; without one, DATABASE_URL is left to the environment
  local dir="${1:-}"
  mkdir -p "$DATA"
  [ -f "$DATA/secret_key" ] || { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$DATA/secret_key"; chmod 600 "$DATA/secret_key"; }
  [ -f "$DATA/id_hash_key" ] || { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$DATA/id_hash_key"; chmod 600 "$DATA/id_hash_key"; }
  [ -f "$DATA/grievance_key" ] || { "$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > "$DATA/grievance_key"; chmod 600 "$DATA/grievance_key"; }
  {
    echo "# written by scripts/devenv.sh; source it to use manage.py by hand"
    if [ -n "$dir" ]; then
      echo "export DATABASE_URL=\"postgres://landreg@/landreg?host=$dir\""
      echo "export LANDREG_PGHOST=\"$dir\""
    fi
    echo "export SECRET_KEY=\"\${SECRET_KEY:-$(cat "$DATA/secret_key")}\""
    echo "export ID_HASH_KEY=\"\${ID_HASH_KEY:-$(cat "$DATA/id_hash_key")}\""
    echo "export GRIEVANCE_KEYS=\"\${GRIEVANCE_KEYS:-$(cat "$DATA/grievance_key")}\""
    echo "export MEDIA_ROOT=\"\${MEDIA_ROOT:-$DATA/media}\""
  } > "$DATA/env"
}

case "${1:-setup}" in
  setup)
    ensure_system_packages
    ensure_venv
    ensure_assets
    ensure_messages
    # A DATABASE_URL we did not write ourselves means "use that PostgreSQL": no private cluster.
    if [ -n "${DATABASE_URL:-}" ] && [ -z "${LANDREG_PGHOST:-}" ]; then
      say "using DATABASE_URL from the environment; no private cluster started"
      write_env
    else
      dir=$(ensure_cluster)
      ensure_database "$dir"
      write_env "$dir"
    fi
    ;;
  start-db) dir=$(ensure_cluster); ensure_database "$dir"; write_env "$dir" ;;
  stop-db) pg_run "$PG_BIN/pg_ctl" -D "$(cluster_dir)" stop ;;
  cluster) dir=$(ensure_cluster); ensure_database "$dir"; echo "$dir" ;;
  cluster-dir) cluster_dir ;;
  *) echo "usage: $0 setup|start-db|stop-db|cluster|cluster-dir" >&2; exit 2 ;;
esac
