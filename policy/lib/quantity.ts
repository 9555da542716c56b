// Kubernetes resource quantities ("256Mi", "1Gi", "500M", "0.5Gi") and redis.conf memory units
// ("96mb", "1gb", "100000000"). The two use different rules for the same letters, hence two parsers.

const K8S_SUFFIXES: Record<string, number> = {
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
    n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** Bytes (or cores) of a Kubernetes quantity, or undefined when it is not one. */
export function parseK8sQuantity(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
    if (typeof value !== "string") return undefined;
    const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)\s*$/.exec(value);
    if (!m) return undefined;
    const base = Number(m[1]);
    if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
    return base * K8S_SUFFIXES[m[3] ?? ""];
}

// redis.conf: "1k => 1000 bytes, 1kb => 1024 bytes, 1m => 1000000 bytes, 1mb => 1024*1024 bytes,
// 1g => 1000000000 bytes, 1gb => 1024*1024*1024 bytes"; units are case insensitive.
const REDIS_UNITS: Record<string, number> = {
    "": 1, b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3,
};

/** Bytes of a redis.conf memory value, or undefined when it does not parse. */
export function parseRedisMemory(value: string): number | undefined {
    const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
    if (!m) return undefined;
    const unit = REDIS_UNITS[m[2].toLowerCase()];
    return unit === undefined ? undefined : Number(m[1]) * unit;
}
