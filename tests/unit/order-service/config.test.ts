import * as assert from "assert/strict";
import { EnvError, describeConfig, loadConfig } from "../../../services/order-service/src/config";
import { createLogger } from "../../../services/order-service/src/log";

describe("order service: environment and logging", () => {
    it("reads the variables the platform component sets, with defaults for the ports", () => {
        assert.deepEqual(loadConfig({ REDIS_HOST: "redis-master.redis.svc.cluster.local", REDIS_READ_HOST: "redis-replica.redis.svc.cluster.local", REDIS_PASSWORD: " pw " }), {
            port: 8080, writeHost: "redis-master.redis.svc.cluster.local", readHost: "redis-replica.redis.svc.cluster.local", redisPort: 6379, password: " pw ",
        });
        assert.deepEqual(loadConfig({ REDIS_HOST: "10.0.0.7", REDIS_PORT: "6380", PORT: "9000", REDIS_READ_HOST: "" }), {
            port: 9000, writeHost: "10.0.0.7", readHost: undefined, redisPort: 6380, password: undefined,
        });
    });

    it("reports every bad variable at once, without echoing the password", () => {
        try {
            loadConfig({ REDIS_PORT: "63 79", PORT: "0", REDIS_READ_HOST: "redis replica", REDIS_PASSWORD: "s3cret-pw" });
            assert.fail("accepted");
        } catch (e) {
            assert.ok(e instanceof EnvError);
            assert.deepEqual(e.problems, [
                'PORT: "0" is not a port; use a whole number from 1 to 65535',
                "REDIS_HOST is not set; set it to the replicated Redis's write Service (the platform component does)",
                'REDIS_READ_HOST: "redis replica" is not a host name; use a DNS name such as redis-master.redis.svc.cluster.local',
                'REDIS_PORT: "63 79" is not a port; use a whole number from 1 to 65535',
            ]);
            assert.ok(!e.message.includes("s3cret-pw"));
        }
    });

    it("describes the configuration for the start-up log without the password", () => {
        const d = describeConfig(loadConfig({ REDIS_HOST: "m", REDIS_PASSWORD: "s3cret-pw" }));
        assert.deepEqual(d, { port: 8080, writeHost: "m", readHost: "m (REDIS_READ_HOST not set: reads use the write connection)", redisPort: 6379, redisAuth: "password from REDIS_PASSWORD" });
    });

    it("redacts secrets from every log line, also where JSON escaping changed them", () => {
        const lines: string[] = [];
        const log = createLogger({ secrets: ['pa"ss\\word', undefined, ""], write: (l) => lines.push(l) });
        log.warn('auth with pa"ss\\word failed', { error: 'WRONGPASS pa"ss\\word' });
        assert.equal(lines.length, 1);
        const parsed = JSON.parse(lines[0]);
        assert.equal(parsed.level, "warn");
        assert.equal(parsed.msg, "auth with [redacted] failed");
        assert.equal(parsed.error, "WRONGPASS [redacted]");
    });
});
