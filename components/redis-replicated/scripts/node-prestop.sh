# Before a node that is master stops (pod deleted, drained, rolled), the Sentinels promote a replica,
# so writes pause for a failover instead of for the pod's restart. Bounded by the grace period.
. /etc/redis/lib.sh
cli 127.0.0.1 6379 ROLE | head -n 1 | grep -qx master || exit 0
i=0
while [ "$i" -lt 10 ]; do
  cli "$(sentinel_host $((i % SENTINELS)))" 26379 SENTINEL FAILOVER "${MASTER_SET}" >/dev/null || true
  sleep 2
  cli 127.0.0.1 6379 ROLE | head -n 1 | grep -qx master || exit 0
  i=$((i + 1))
done
