/** Medians, min/max and the one table `npm run bench` prints (and the JSON it writes). */

export interface Summary {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly samples: readonly number[];
}

export function summarize(samples: readonly number[]): Summary {
    const s = [...samples].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    return { median, min: s[0], max: s[s.length - 1], samples };
}

/** One compared operation: what Pulumi does and what a kubectl user would do instead. */
export interface Row {
    readonly operation: string;
    readonly pulumi: Summary;
    /** Absent for rows measured on the Pulumi side only (e.g. without the policy pack). */
    readonly kubectl?: Summary;
    readonly goal?: number;
}

const secs = (ms: number) => (ms / 1000).toFixed(1);
const cell = (s: Summary) => `${secs(s.median)} (${secs(s.min)}-${secs(s.max)})`;

export function table(rows: readonly Row[]): string {
    const head = ["operation", "pulumi s median (min-max)", "kubectl s median (min-max)", "ratio", "goal"];
    const body = rows.map((r) => [
        r.operation,
        cell(r.pulumi),
        r.kubectl ? cell(r.kubectl) : "-",
        r.kubectl ? `${(r.pulumi.median / r.kubectl.median).toFixed(2)}x` : "-",
        r.goal ? `<= ${r.goal}x` : "",
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
