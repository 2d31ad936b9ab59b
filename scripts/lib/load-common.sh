# Shared by scripts/bench/api, scripts/bench/list-cost and scripts/soak/api (sourced, not run): an own redis-server
# and the release server on free ports in a temp dir, a seeded list, a platform key. Everything started is stopped
# and removed on exit.
# Expects `target` (the cargo target dir) to be set and the release binaries built.

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends wrk
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# start_redis APPENDONLY(yes|no): sets redis_port and redis_url.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly "$1" --dir "$tmp" --daemonize no \
    --logfile "$tmp/redis.log" &
  pids+=($!)
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
  redis_url="redis://127.0.0.1:$redis_port/"
}

# seed_list ENTRIES [VIEWS]: N random PDQ hashes (each with VIEWS random views, default 0) plus 100 real cases on
# list ncii; $tmp/queries holds 1,000 query hashes, the 100 planted ones (they match) and 900 random ones (they do
# not).
seed_list() {
  "$target"/release/examples/seed_list "$redis_url" "$1" 100 "${2:-0}" > "$tmp/planted"
  { cat "$tmp/planted"; python3 -c 'import secrets
for _ in range(900): print(secrets.token_hex(32))'; } > "$tmp/queries"
}

# start_server [VAR=VALUE...]: the release server on a free port against $redis_url with a bootstrap admin key,
# extra environment given as arguments; waits until ready. Sets port, server (its pid), admin and ready_s.
start_server() {
  port=$(free_port)
  admin="dk_00000000000000ad_$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  local started
  started=$(date +%s.%N)
  env DISRUPT_REDIS_URL="$redis_url" DISRUPT_ADDRESS="127.0.0.1:$port" DISRUPT_DATA_DIR="$tmp/data" \
    DISRUPT_BOOTSTRAP_ADMIN_KEY="$admin" DISRUPT_METRICS_ADDRESS= DISRUPT_LOG=warn "$@" "$target"/release/disrupt-api &
  server=$!
  pids+=("$server")
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
  ready_s=$(python3 -c "print(round($(date +%s.%N) - $started, 1))")
}

# platform_key NAME: prints a new platform key scoped to ncii.
platform_key() {
  curl -sf -X POST "http://127.0.0.1:$port/v1/admin/keys" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' -d "{\"name\":\"$1\",\"role\":\"platform\",\"lists\":[\"ncii\"]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}
