# Shared by the Sentinel mode's start and stop scripts (busybox sh and redis-cli in the Redis image).
# Environment (from the pod spec): HOSTNAME, NAMESPACE, NODES, NODE_SET, HEADLESS, SENTINELS,
# SENTINEL_SET, SENTINEL_HEADLESS, MASTER_SET, and REDISCLI_AUTH (a Secret reference), which
# redis-cli sends for every command: the password is never an argument.
set -eu

fqdn() { echo "$1.$2.${NAMESPACE}.svc.cluster.local"; }
node_host() { fqdn "${NODE_SET}-$1" "${HEADLESS}"; }
sentinel_host() { fqdn "${SENTINEL_SET}-$1" "${SENTINEL_HEADLESS}"; }
log() { echo "[$(date -u +%H:%M:%S)] $*"; }

# cli HOST PORT ARGS...: one redis-cli command, bounded (an unreachable peer must not hang the start).
cli() { h="$1"; p="$2"; shift 2; timeout 3 redis-cli -h "$h" -p "$p" "$@" 2>/dev/null; }

# The master the Sentinels name (asked one by one, first answer wins; ASK_SKIP excludes one), or nothing.
sentinel_master() {
  i=0
  while [ "$i" -lt "${SENTINELS}" ]; do
    h="$(sentinel_host "$i")"
    if [ "$h" != "${ASK_SKIP:-}" ]; then
      m="$(cli "$h" 26379 SENTINEL get-master-addr-by-name "${MASTER_SET}" | head -n 1)" || m=""
      case "$m" in "" | *ERR* | *NOAUTH* | *WRONGPASS*) ;; *) echo "$m"; return 0 ;; esac
    fi
    i=$((i + 1))
  done
}

# sentinel_master, retried for up to $1 seconds: a pod's first packets may be dropped until the
# NetworkPolicy agent has admitted its new address, and Sentinels start with the nodes.
sentinel_master_within() {
  end=$(($(date +%s) + $1))
  while :; do
    m="$(sentinel_master)" || m=""
    if [ -n "$m" ] || [ "$(date +%s)" -ge "$end" ]; then echo "$m"; return 0; fi
    sleep 1
  done
}

# Asks the Sentinels for one failover: the first that accepts it runs it (sending it to several
# would start competing failovers). Prints nothing; fails when none accepted.
request_failover() {
  i=0
  while [ "$i" -lt "${SENTINELS}" ]; do
    r="$(cli "$(sentinel_host "$i")" 26379 SENTINEL FAILOVER "${MASTER_SET}" | head -n 1)" || r=""
    case "$r" in OK | *INPROG*) return 0 ;; esac
    i=$((i + 1))
  done
  return 1
}

# A Redis node (other than this one) that says it is master, or nothing.
node_master() {
  i=0
  while [ "$i" -lt "${NODES}" ]; do
    h="$(node_host "$i")"
    if [ "$h" != "${ME:-}" ] && cli "$h" 6379 ROLE | head -n 1 | grep -qx master; then
      echo "$h"; return 0
    fi
    i=$((i + 1))
  done
}
