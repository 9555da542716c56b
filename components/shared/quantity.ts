/**
 * Kubernetes resource quantities ("128Mi", "200m", "1.5", "2e3") as plain numbers,
 * so config can compare a request with its limit and derive maxmemory from a memory limit.
 */

const SUFFIX: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a non-negative Kubernetes quantity, or undefined when `text` is not one. */
export function parseQuantity(text: string): number | undefined {
    const match = QUANTITY.exec(text.trim());
    if (!match) {
        return undefined;
    }
    const [, digits, exponent, suffix] = match;
    if (exponent !== undefined) {
        return Number(digits + exponent);
    }
    return Number(digits) * SUFFIX[suffix ?? ""];
}

/** A byte count written back as the largest exact binary unit ("100663296" -> "96Mi"), for messages. */
export function formatBytes(bytes: number): string {
    for (const unit of ["Gi", "Mi", "Ki"]) {
        const size = SUFFIX[unit];
        if (bytes >= size && bytes % size === 0) {
            return `${bytes / size}${unit}`;
        }
    }
    return String(bytes);
}
