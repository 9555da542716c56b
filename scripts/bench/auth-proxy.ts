/**
 * A TCP proxy for the Redis bench that authenticates each connection, so redis-benchmark (which
 * takes a password only on its command line, `-a`) never sees the password: it reads it from stdin,
 * sends `AUTH <password>` first on every upstream connection, checks the `+OK`, then relays bytes
 * both ways. The bench puts it in front of both targets it compares, so the extra hop is the same.
 *
 * Usage: ts-node scripts/bench/auth-proxy.ts LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT < password-file
 * Prints "listening" once it accepts connections.
 */
import * as net from "net";

const OK = Buffer.from("+OK\r\n");

async function readPassword(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
    if (password === "") throw new Error("no password on stdin");
    return password;
}

function relay(client: net.Socket, host: string, port: number, password: string): void {
    const upstream = net.connect({ host, port });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.write(`AUTH ${password}\r\n`);
    let pending: Buffer | undefined = Buffer.alloc(0);
    upstream.on("data", (data: Buffer) => {
        if (pending === undefined) {
            client.write(data);
            return;
        }
        pending = Buffer.concat([pending, data]);
        if (pending.length < OK.length) return;
        if (!pending.subarray(0, OK.length).equals(OK)) {
            process.stderr.write(`auth-proxy: ${host}:${port} refused AUTH: ${pending.toString("utf8").split("\r\n")[0]}\n`);
            client.destroy();
            upstream.destroy();
            return;
        }
        const rest = pending.subarray(OK.length);
        pending = undefined;
        if (rest.length > 0) client.write(rest);
    });
    client.pipe(upstream);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
}

async function main(): Promise<void> {
    const [listen, host, port] = process.argv.slice(2);
    if (!listen || !host || !port) throw new Error("usage: auth-proxy.ts LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT < password-file");
    const password = await readPassword();
    const server = net.createServer((c) => relay(c, host, Number(port), password));
    server.listen(Number(listen), "127.0.0.1", () => process.stdout.write("listening\n"));
    process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

main().catch((e: Error) => {
    process.stderr.write(`auth-proxy: ${e.message}\n`);
    process.exit(1);
});
