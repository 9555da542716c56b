/**
 * One JSON object per line on stdout, the format order-service logs in. A copy of
 * services/order-service/src/log.ts, not an import: each service is compiled alone (tsc -p, rootDir
 * src) into its own image. Every line goes through a redactor that knows the Redis password, so no
 * error text from ioredis or the Kubernetes client can ever put it into a log.
 */

export type Fields = Record<string, unknown>;

export interface Logger {
    info(msg: string, fields?: Fields): void;
    warn(msg: string, fields?: Fields): void;
    error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
    /** Values replaced by "[redacted]" wherever they appear in a line. */
    readonly secrets?: readonly (string | undefined)[];
    /** Where lines go (default: stdout); tests collect them. */
    readonly write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
    const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === "string" && s !== "");
    const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
    const emit = (level: string, msg: string, fields: Fields = {}) => {
        let line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
        for (const s of secrets) {
            line = line.split(s).join("[redacted]");
            // the secret as it appears inside a JSON string (quotes or backslashes escaped)
            const escaped = JSON.stringify(s).slice(1, -1);
            if (escaped !== s) line = line.split(escaped).join("[redacted]");
        }
        write(line);
    };
    return {
        info: (msg, fields) => emit("info", msg, fields),
        warn: (msg, fields) => emit("warn", msg, fields),
        error: (msg, fields) => emit("error", msg, fields),
    };
}

/** The message of anything thrown, for a log field. */
export function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
