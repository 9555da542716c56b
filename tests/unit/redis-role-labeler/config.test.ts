import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EnvError, describeConfig, loadConfig, selectorKeys } from "../../../services/redis-role-labeler/src/config";

const SELECTOR = "app.kubernetes.io/name=redis,app.kubernetes.io/instance=redis,app.kubernetes.io/component=node";

describe("redis role labeler: environment", () => {
    let dir: string;
    let passwordFile: string;
    const good = (): NodeJS.ProcessEnv => ({
        SENTINEL_HOST: "redis.redis.svc.cluster.local", SENTINEL_MASTER_SET: "mymaster", PASSWORD_FILE: passwordFile,
        POD_NAMESPACE: "redis", POD_SELECTOR: SELECTOR,
    });
    const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
        try {
            loadConfig(env);
        } catch (e) {
            assert.ok(e instanceof EnvError, String(e));
            return e.problems;
        }
        return assert.fail("the environment was accepted");
    };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "role-labeler-config-"));
        passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, "s3cret-pw\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the variables, the password from its file (one trailing line break dropped), with the documented defaults", () => {
        assert.deepEqual(loadConfig(good()), {
            sentinelHost: "redis.redis.svc.cluster.local", sentinelPort: 26379, masterSet: "mymaster", passwordFile, password: "s3cret-pw",
            namespace: "redis", podSelector: SELECTOR, roleLabel: "redis-platform/role", intervalMs: 500, port: 8080,
        });
        const c = loadConfig({ ...good(), SENTINEL_HOST: "127.0.0.1", SENTINEL_PORT: "26380", ROLE_LABEL: "example.com/redis-role", INTERVAL_MS: "100", PORT: "9090", POD_SELECTOR: "app=redis, tier in (a, b),!legacy" });
        assert.deepEqual([c.sentinelHost, c.sentinelPort, c.roleLabel, c.intervalMs, c.port, c.podSelector], ["127.0.0.1", 26380, "example.com/redis-role", 100, 9090, "app=redis, tier in (a, b),!legacy"]);
        assert.equal(loadConfig({ ...good(), INTERVAL_MS: "10000" }).intervalMs, 10000);
    });

    it("names each missing required variable with what to set it to", () => {
        assert.deepEqual(problems({ PASSWORD_FILE: passwordFile }), [
            "SENTINEL_HOST is not set; set it to the Sentinel Service's DNS name, such as redis.redis.svc.cluster.local",
            'SENTINEL_MASTER_SET is not set; set it to the name the Sentinels monitor (the <name> in "sentinel monitor <name> ..."), such as mymaster',
            "POD_NAMESPACE is not set; set it from the downward API (fieldRef: metadata.namespace)",
            "POD_SELECTOR is not set; set it to the label selector of the Redis pods, such as app.kubernetes.io/name=redis,app.kubernetes.io/component=node",
        ]);
    });

    const bad: [string, string, string][] = [
        ["SENTINEL_HOST", "redis sentinel", 'SENTINEL_HOST: "redis sentinel" is not a host name; use a DNS name such as redis.redis.svc.cluster.local'],
        ["SENTINEL_PORT", "65536", 'SENTINEL_PORT: "65536" is not a port; use a whole number from 1 to 65535'],
        ["SENTINEL_PORT", "26379x", 'SENTINEL_PORT: "26379x" is not a port; use a whole number from 1 to 65535'],
        ["SENTINEL_MASTER_SET", "my master", 'SENTINEL_MASTER_SET: "my master" is not a master set name; use letters, digits, ".", "_" and "-"'],
        ["PASSWORD_FILE", "password", 'PASSWORD_FILE: "password" is not an absolute path; use the file the Secret is mounted as, such as /etc/redis-auth/password'],
        ["POD_NAMESPACE", "Redis", 'POD_NAMESPACE: "Redis" is not a namespace name; use lower-case letters, digits and "-", at most 63 characters'],
        ["ROLE_LABEL", "redis role", 'ROLE_LABEL: "redis role" is not a label key; use [prefix/]name, such as redis-platform/role'],
        ["ROLE_LABEL", "Example.com/role", 'ROLE_LABEL: "Example.com/role" is not a label key; use [prefix/]name, such as redis-platform/role'],
        ["POD_SELECTOR", "app=redis;tier=node", 'POD_SELECTOR: "app=redis;tier=node" is not a label selector; use key=value pairs separated by commas, such as app.kubernetes.io/name=redis,app.kubernetes.io/component=node'],
        ["POD_SELECTOR", "app=redis,redis-platform/role=master", 'POD_SELECTOR: "app=redis,redis-platform/role=master" selects on redis-platform/role, the label this service sets; select the Redis pods by labels that do not change with their role'],
        ["INTERVAL_MS", "99", 'INTERVAL_MS: "99" is not an interval in milliseconds; use a whole number from 100 to 10000'],
        ["INTERVAL_MS", "10001", 'INTERVAL_MS: "10001" is not an interval in milliseconds; use a whole number from 100 to 10000'],
        ["INTERVAL_MS", "0.5e3", 'INTERVAL_MS: "0.5e3" is not an interval in milliseconds; use a whole number from 100 to 10000'],
        ["PORT", "0", 'PORT: "0" is not a port; use a whole number from 1 to 65535'],
    ];
    for (const [name, value, message] of bad) {
        it(`refuses ${name}=${JSON.stringify(value)} with its message`, () => {
            assert.deepEqual(problems({ ...good(), [name]: value }), [message]);
        });
    }

    it("reports every bad variable at once, in a message that names them all", () => {
        // one bad value of each variable (the list holds two of some)
        const picked = bad.filter(([name], i) => bad.findIndex(([n]) => n === name) === i);
        assert.equal(picked.length, 9);
        const env = { ...good(), ...Object.fromEntries(picked.map(([name, value]) => [name, value])) };
        assert.deepEqual(problems(env), picked.map(([, , message]) => message));
        assert.throws(() => loadConfig(env), { name: "EnvError", message: `invalid environment:\n${picked.map(([, , m]) => `  - ${m}`).join("\n")}` });
    });

    it("refuses a password file that is missing, a directory or empty, naming the path", () => {
        const missing = path.join(dir, "nope", "password");
        assert.deepEqual(problems({ ...good(), PASSWORD_FILE: missing }), [
            `PASSWORD_FILE: cannot read ${missing} (it does not exist); mount the Redis password Secret there, or point PASSWORD_FILE at it`,
        ]);
        assert.deepEqual(problems({ ...good(), PASSWORD_FILE: undefined }), [
            "PASSWORD_FILE: cannot read /etc/redis-auth/password (it does not exist); mount the Redis password Secret there, or point PASSWORD_FILE at it",
        ]);
        assert.deepEqual(problems({ ...good(), PASSWORD_FILE: dir }), [
            `PASSWORD_FILE: cannot read ${dir} (it is a directory); mount the Redis password Secret there, or point PASSWORD_FILE at it`,
        ]);
        const empty = path.join(dir, "empty");
        fs.writeFileSync(empty, "\n");
        assert.deepEqual(problems({ ...good(), PASSWORD_FILE: empty }), [`PASSWORD_FILE: ${empty} is empty; it must hold the Redis password`]);
    });

    it("keeps the password exactly as the file has it, and never shows it", () => {
        const spaced = path.join(dir, "spaced");
        fs.writeFileSync(spaced, " pw with spaces ");
        const c = loadConfig({ ...good(), PASSWORD_FILE: spaced });
        assert.equal(c.password, " pw with spaces ");
        assert.deepEqual(describeConfig(c), {
            sentinel: "redis.redis.svc.cluster.local:26379", masterSet: "mymaster", redisAuth: `password from ${spaced}`,
            namespace: "redis", podSelector: SELECTOR, roleLabel: "redis-platform/role", intervalMs: 500, port: 8080,
        });
        const e = (() => { try { loadConfig({ ...good(), PORT: "x" }); } catch (err) { return err as Error; } return undefined; })();
        assert.ok(e && !e.message.includes("s3cret-pw"));
    });

    it("parses label selectors the way the API server takes them", () => {
        assert.deepEqual(selectorKeys(SELECTOR), ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"]);
        assert.deepEqual(selectorKeys("a==1,b!=2,c,!d,e in (x, y),f notin (z)"), ["a", "b", "c", "d", "e", "f"]);
        for (const s of ["a=b c", "a=(b)", "!a=b", "a in x", ",a=b", "a=b,", "-a=b", "a/b/c=d"]) assert.equal(selectorKeys(s), undefined, s);
    });
});
