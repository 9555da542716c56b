/**
 * One JSON object per line on stdout, the format order-service logs in. Not shared with
 * services/order-service/src/log.ts: each service is compiled alone (tsc -p, rootDir src) into its
 * own image, and this frontend holds no secret, so it needs none of that logger's redaction.
 */

export type Fields = Record<string, unknown>;

export interface Logger {
    info(msg: string, fields?: Fields): void;
    warn(msg: string, fields?: Fields): void;
    error(msg: string, fields?: Fields): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
    const emit = (level: string) => (msg: string, fields: Fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
    return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
