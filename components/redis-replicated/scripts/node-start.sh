# Starts a Redis node of the Sentinel mode. Before it serves, it asks who the master is:
#   1. the Sentinels' answer; when they still name this node (it restarted before they noticed),
#      it asks them to fail over to a replica first, so a former master returns as a replica and
#      never as a second master with older data;
#   2. no Sentinel answers within a minute (they start with the set): a node that says it is master;
#   3. nobody: node 0 is the master.
# The effective config (in a memory volume, where Sentinel's CONFIG REWRITE may write) includes the
# ConfigMap's redis.conf and the Secret's auth.conf, then names the role.
. /etc/redis/lib.sh
ME="$(node_host "${HOSTNAME##*-}")"
CONF="${1:?usage: node-start.sh /etc/redis/redis.conf}"
master="$(sentinel_master_within 60)"
if [ -n "$master" ] && [ "$master" = "$ME" ]; then
  log "the Sentinels still name this node master; asking them to fail over to a replica"
  if request_failover; then
    end=$(($(date +%s) + 30))
    while [ "$master" = "$ME" ] && [ "$(date +%s)" -lt "$end" ]; do
      sleep 1
      m="$(sentinel_master)" || m=""
      if [ -n "$m" ]; then master="$m"; fi
    done
  fi
  if [ "$master" = "$ME" ]; then log "no replica could take over: serving as master with this node's data"; fi
fi
if [ -z "$master" ]; then
  master="$(node_master)" || master=""
  if [ -z "$master" ]; then master="$(node_host 0)"; fi
  log "no Sentinel knows ${MASTER_SET} yet (first start): master is ${master}"
fi
conf=/run/redis/redis.conf
{
  echo "include ${CONF}"
  echo "include /etc/redis-auth/auth.conf"
  echo "replica-announce-ip ${ME}"
  if [ "$master" != "$ME" ]; then echo "replicaof ${master} 6379"; fi
} > "$conf"
if [ "$master" = "$ME" ]; then log "starting as master"; else log "starting as a replica of ${master}"; fi
exec redis-server "$conf"
