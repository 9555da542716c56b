// Redis manifests as the seeds (/work/shared/seeds) write them: `app:`/`role:` labels, images like
// redis:7, redis-server on the command line, no NetworkPolicy. Copied from the tutorials, trimmed to
// what the Redis rules read (affinity, probes, comments, Secrets and CLI steps left out). Every seed
// declares containerPort 6379; `withoutPorts` drops it, as `kubectl create deployment --image=redis:7`
// would, so the tests see whether Redis is still recognised by its image or command alone.
import * as yaml from "js-yaml";
import { K8sObject } from "../../policy/rules";

const load = (text: string): K8sObject[] => yaml.loadAll(text) as K8sObject[];

/** Seed 000 (sample-app cache): settings on redis-server's command line, maxmemory 128mb with a 128Mi limit. */
export const seed000Cache = (): K8sObject[] => load(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-deployment
  namespace: sample-app
  labels: {app: sample-app, component: redis, tier: cache}
spec:
  replicas: 2
  selector:
    matchLabels: {app: sample-app, component: redis}
  template:
    metadata:
      labels: {app: sample-app, component: redis, tier: cache}
    spec:
      containers:
      - name: redis
        image: redis:7-alpine
        ports:
        - containerPort: 6379
        command:
        - redis-server
        - --maxmemory
        - 128mb
        - --maxmemory-policy
        - allkeys-lru
        - --save
        - ""
        - --appendonly
        - "no"
        resources:
          requests: {memory: "64Mi", cpu: "100m"}
          limits: {memory: "128Mi", cpu: "200m"}
        volumeMounts:
        - name: redis-config
          mountPath: /usr/local/etc/redis/redis.conf
          subPath: redis.conf
      volumes:
      - name: redis-config
        configMap:
          name: redis-config
---
apiVersion: v1
kind: Service
metadata:
  name: redis-service
  namespace: sample-app
  labels: {app: sample-app, component: redis, tier: cache}
spec:
  type: ClusterIP
  ports:
  - {port: 6379, targetPort: 6379, protocol: TCP, name: redis}
  selector: {app: sample-app, component: redis}
  sessionAffinity: None
`);

const seed001StatefulSet = (role: string, replicas: number, args: string) => `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis-${role}
  namespace: redis
  labels: {app: redis, role: ${role}}
spec:
  replicas: ${replicas}
  updateStrategy:
    type: RollingUpdate
  serviceName: redis-headless
  selector:
    matchLabels: {app: redis, role: ${role}}
  template:
    metadata:
      labels: {app: redis, role: ${role}}
    spec:
      containers:
      - name: redis
        image: redis:5.0.5
        imagePullPolicy: IfNotPresent
        command: ["redis-server"]
        args: ${args}
        env:
        - name: REDIS_PASSWORD
          valueFrom:
            secretKeyRef: {key: password, name: redis-secret}
        resources:
          limits: {memory: "256Mi", cpu: "200m"}
        ports:
          - name: redis
            containerPort: 6379
        volumeMounts:
        - {name: redis-data, mountPath: /data}
        - {name: conf, mountPath: /etc/redis}
      volumes:
        - name: conf
          configMap:
            name: redis
  volumeClaimTemplates:
  - metadata:
      name: redis-data
    spec:
      storageClassName: openebs-sparse-sc
      resources:
        requests: {storage: 2Gi}
      accessModes: [ReadWriteOnce]
`;

/** Seed 001 (namespace redis): a master whose master.conf neither saves nor appends, and two slaves of it. */
export const seed001MasterSlave = (): K8sObject[] => load([`
apiVersion: v1
kind: Service
metadata:
  name: redis-headless
  namespace: redis
  labels: {app: redis}
spec:
  type: ClusterIP
  clusterIP: None
  selector: {app: redis}
  ports:
  - {name: redis, port: 6379, targetPort: redis}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: redis
  namespace: redis
data:
  master.conf: |
    bind 0.0.0.0
    protected-mode no
    port 6379
    tcp-backlog 511
    timeout 0
    tcp-keepalive 300
    daemonize no
    supervised no
    pidfile /var/run/redis_6379.pid
    loglevel notice
    dir /data
    logfile ""
  slave.conf: |
    slaveof redis-master-0.redis-headless 6379
    protected-mode no
    dir /data
`,
seed001StatefulSet("master", 1, '["/etc/redis/master.conf", "--requirepass", "$(REDIS_PASSWORD)"]'),
seed001StatefulSet("slave", 2, '["/etc/redis/slave.conf", "--requirepass", "$(REDIS_PASSWORD)", "--masterauth", "$(REDIS_PASSWORD)"]'),
].join("\n---\n"));

/** Seed 002 (guestbook): the e2e Redis image with its default command. */
export const seed002Master = (): K8sObject[] => load(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-master
  labels: {app: redis}
spec:
  selector:
    matchLabels: {app: redis, role: master, tier: backend}
  replicas: 1
  template:
    metadata:
      labels: {app: redis, role: master, tier: backend}
    spec:
      containers:
      - name: master
        image: k8s.gcr.io/redis:e2e
        resources:
          requests: {cpu: 100m, memory: 100Mi}
        ports:
        - containerPort: 6379
`);

/** Seed 003 (ecommerce): \`image: redis:7\`, no command, no config, a 256Mi limit. */
export const seed003Redis = (): K8sObject[] => load(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis
  namespace: ecommerce
spec:
  replicas: 1
  selector:
    matchLabels: {app: redis}
  template:
    metadata:
      labels: {app: redis}
    spec:
      containers:
      - name: redis
        image: redis:7
        ports:
        - containerPort: 6379
        resources:
          limits: {cpu: 200m, memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: redis
  namespace: ecommerce
spec:
  selector: {app: redis}
  ports:
  - port: 6379
`);

/**
 * Seed 000's throwaway clients, `kubectl run <name> --image=redis:7-alpine --restart=Never -n sample-app -- <args>`:
 * a bare Pod on the Redis image whose args replace redis-server.
 */
export const seed000ClientPod = (name: string, args: string[]): K8sObject => ({
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "sample-app", labels: { run: name } },
    spec: { restartPolicy: "Never", containers: [{ name, image: "redis:7-alpine", args }] },
});

/** The same objects with every containerPort removed (a fresh copy; the input is left alone). */
export function withoutPorts(objects: K8sObject[]): K8sObject[] {
    const copy = JSON.parse(JSON.stringify(objects)) as K8sObject[];
    for (const o of copy) for (const c of o.spec?.template?.spec?.containers ?? []) delete c.ports;
    return copy;
}
