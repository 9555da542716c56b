# Starts a Sentinel: it monitors the master its peers name, else the node that says it is master,
# else node 0 (first start). Its identity (myid, announced host name) is derived from the pod name,
# so a restarted Sentinel is the same Sentinel to its peers and the set never counts ghosts. Its
# state file is in a memory volume; the password comes from the Secret's included file.
. /etc/redis/lib.sh
ME="$(sentinel_host "${HOSTNAME##*-}")"
ASK_SKIP="$ME"
master="$(sentinel_master_within 10)"
if [ -z "$master" ]; then master="$(node_master)" || master=""; fi
if [ -z "$master" ]; then master="$(node_host 0)"; fi
log "monitoring ${MASTER_SET} at ${master}"
conf=/run/sentinel/sentinel.conf
{
  echo "port 26379"
  echo "dir /run/sentinel"
  echo "sentinel myid $(echo "${NAMESPACE}/${HOSTNAME}" | sha1sum | cut -c1-40)"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip ${ME}"
  echo "sentinel monitor ${MASTER_SET} ${master} 6379 ${QUORUM}"
  echo "sentinel down-after-milliseconds ${MASTER_SET} ${DOWN_AFTER_MS}"
  echo "sentinel failover-timeout ${MASTER_SET} ${FAILOVER_TIMEOUT_MS}"
  echo "sentinel parallel-syncs ${MASTER_SET} 1"
  echo "include /etc/redis-auth/sentinel-auth.conf"
} > "$conf"
exec redis-server "$conf" --sentinel
