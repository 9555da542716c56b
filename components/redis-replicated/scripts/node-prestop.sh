# Before a node that is master stops (pod deleted, drained, rolled), the Sentinels promote a replica,
# so writes pause for a failover instead of for the pod's restart. Writes are paused here first
# (CLIENT PAUSE WRITE): the replicas catch up with every write this master took, and none lands on
# it between the promotion and its own demotion; clients' paused writes fail with the connection
# when it stops and are sent again to the new master. It is done as soon as the Sentinels name
# another node: waiting for this node's own demotion would take until the pause ends, because
# Sentinel's PUBLISH to it is a paused write, so they see it as down and never demote it; it
# returns as a replica anyway (node-start.sh asks them). Bounded by the grace period.
. /etc/redis/lib.sh
ME="$(node_host "${HOSTNAME##*-}")"
cli 127.0.0.1 6379 ROLE | head -n 1 | grep -qx master || exit 0
cli 127.0.0.1 6379 CLIENT PAUSE 35000 WRITE >/dev/null || true
request_failover || exit 0
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 1
  cli 127.0.0.1 6379 ROLE | head -n 1 | grep -qx master || exit 0
  m="$(sentinel_master)" || m=""
  if [ -n "$m" ] && [ "$m" != "$ME" ]; then exit 0; fi
done
