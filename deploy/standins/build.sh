#!/usr/bin/env bash
# Stand-ins for the base images deploy/Dockerfile and deploy/compose.yaml name, for hosts that
# cannot pull from Docker Hub (air-gapped sites, CI here). For each of python:3.11-slim-bookworm,
# postgres:16-bookworm, redis:7-bookworm and prom/prometheus:v2.42.0 (monitoring profile; Grafana has
# no Debian package and no stand-in): kept if already present, pulled if the registry answers,
# and only otherwise built from Debian bookworm packages:
#   debootstrap --variant=minbase bookworm (the Debian mirror this host's apt uses) → docker import
#   → python3.11 / postgresql-15 / redis-server / prometheus, with entrypoints honouring the official images' env.
# They are stand-ins, not copies: PostgreSQL is 15 (bookworm's), Redis 7.0, Python 3.11 from Debian.
# Needs root, docker (BuildKit) and debootstrap. Env: DOCKER (client, default /usr/bin/docker),
# DEBIAN_MIRROR (default: read from /etc/apt/sources.list*), CA_BUNDLE (host CA bundle for https).
set -euo pipefail
cd "$(dirname "$0")"

DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=1
BASE=silkwire-standin/bookworm:minbase
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
declare -A DOCKERFILE=(
  [python:3.11-slim-bookworm]=python.Dockerfile
  [postgres:16-bookworm]=postgres.Dockerfile
  [redis:7-bookworm]=redis.Dockerfile
  [prom/prometheus:v2.42.0]=prometheus.Dockerfile
)

log() { printf 'standins: %s\n' "$*" >&2; }

# The bookworm entries of this host's apt sources (one-line and deb822 formats), as one-line
# sources.list entries: "deb URI SUITE main". Other vendors' repositories are left out.
bookworm_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
         if ($(i+1) ~ /^bookworm(-updates|-security)?$/) print "deb " $i " " $(i+1) " main" }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush() { if (uris != "" && types ~ /(^| )deb( |$)/) { n = split(uris, u, " "); m = split(suites, s, " ");
           for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) if (s[b] ~ /^bookworm(-updates|-security)?$/) print "deb " u[a] " " s[b] " main" }
           uris = ""; suites = ""; types = "" }
         /^[ \t]*$/ { flush(); next }
         /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
         /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
         /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
         END { flush() }' "$f"
  done
}

mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  bookworm_sources | awk '$3 == "bookworm" { print $2; exit }'
}

ensure_base() {
  if "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null || { log "debootstrap missing: apt-get install -y debootstrap"; exit 1; }
  local url root
  url=$(mirror)
  [ -n "$url" ] || { log "no bookworm entry in /etc/apt/sources.list*; set DEBIAN_MIRROR"; exit 1; }
  root=$(mktemp -d /var/tmp/silkwire-bookworm.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  log "debootstrap --variant=minbase bookworm from $url (a few minutes)"
  timeout 1200 debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$url" \
    > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  # The image's apt uses the same mirrors as this host (with the security and updates suites).
  { if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "deb $DEBIAN_MIRROR bookworm main"; else bookworm_sources; fi; } \
    | sort -u > "$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -c . | "$DOCKER" import --change 'CMD ["bash"]' - "$BASE" >/dev/null
  log "imported $BASE"
}

for image in "${!DOCKERFILE[@]}"; do
  if "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    log "$image: present"
    continue
  fi
  if timeout 120 "$DOCKER" pull -q "$image" >/dev/null 2>&1; then
    log "$image: pulled"
    continue
  fi
  log "$image: cannot be pulled; building a stand-in from Debian bookworm"
  ensure_base
  secret=()
  # apt inside the build trusts the host's CA bundle when its mirror is https (TLS checks stay on).
  [ -s "$CA_BUNDLE" ] && secret=(--secret "id=ca-bundle,src=$CA_BUNDLE")
  "$DOCKER" build -q "${secret[@]}" --build-arg "BASE=$BASE" --label org.silkwire.standin=true \
    -f "${DOCKERFILE[$image]}" -t "$image" . >/dev/null
  log "$image: stand-in built"
done
