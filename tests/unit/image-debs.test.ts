import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../scripts/lib/stack-files";

// scripts/images/debs.sh: how a Debian pin is resolved against what the apt sources offer. No
// network: `apt-cache madison` output recorded on bookworm (2026-11), and a fake apt-cache/apt-get
// for the refresh-and-retry flow.

const DEBS_SH = path.join(ROOT, "scripts", "images", "debs.sh");

// `apt-cache madison redis-tools redis-server libc6` on bookworm with bookworm-security, plus an
// i386 line (multiarch) and a Sources line (deb-src), which do not count.
const RECORDED = `redis-tools | 5:7.0.15-1~deb12u10 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
redis-tools | 5:7.0.15-1~deb12u7 | http://deb.debian.org/debian bookworm/main amd64 Packages
redis-tools | 5:7.0.15-1~deb12u99 | http://deb.debian.org/debian bookworm/main i386 Packages
redis-server | 5:7.0.15-1~deb12u10 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
redis-server | 5:7.0.15-1~deb12u7 | http://deb.debian.org/debian bookworm/main amd64 Packages
     redis | 5:7.0.15-1~deb12u10 | http://deb.debian.org/debian-security bookworm-security/main Sources
     libc6 | 2.36-9+deb12u14 | http://deb.debian.org/debian bookworm/main amd64 Packages
     libc6 | 2.36-9+deb12u7 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
`;
// the same lists some months older: the point release's revisions are not in them yet
const STALE = RECORDED.replace(/^.*deb12u10 .*\n/gm, "").replace(/^.*deb12u14 .*\n/gm, "");
// after a Debian point release that replaced the pinned revision
const NEWER = RECORDED.replace(/deb12u10/g, "deb12u11");
// bookworm moved to another upstream version (not taken)
const OTHER = RECORDED.replace(/5:7\.0\.15-1~deb12u\d+/g, "5:7.2.4-1~deb12u1");

function bash(script: string, env: Record<string, string> = {}) {
    const prelude = `set -Eeuo pipefail
source ${JSON.stringify(DEBS_SH)}
say() { echo "[images] $*"; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }
id() { echo 0; } # as root: the refresh runs apt-get update itself (the fake one below)
`;
    const r = spawnSync("bash", ["-c", prelude + script], { encoding: "utf8", env: { ...process.env, ...env } });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

function choose(pin: string, madison: string) {
    const run = spawnSync("bash", ["-c", `set -Eeuo pipefail; source ${JSON.stringify(DEBS_SH)}; mapfile -t offered < <(deb_offered "$1"); deb_choose "$2" "\${offered[@]}"`, "x", pin.split("=")[0], pin], { input: madison, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim();
}

describe("Debian pins of the node images (scripts/images/debs.sh)", () => {
    it("reads the amd64 versions of one package from apt-cache madison output", () => {
        const r = spawnSync("bash", ["-c", `source ${JSON.stringify(DEBS_SH)}; deb_offered redis-tools`], { input: RECORDED, encoding: "utf8" });
        assert.deepEqual(r.stdout.trim().split("\n"), ["5:7.0.15-1~deb12u10", "5:7.0.15-1~deb12u7"]);
    });

    it("holds to the epoch and upstream version, not the Debian revision", () => {
        const r = bash("for v in 5:7.0.15-1~deb12u10 1:1.35.0-4+deb12u1+b1 2.36-9+deb12u14 1.5.4+dfsg2-5 1.46; do deb_upstream $v; done");
        assert.deepEqual(r.stdout.split("\n"), ["5:7.0.15", "1:1.35.0", "2.36", "1.5.4+dfsg2", "1.46"]);
    });

    it("takes the pinned revision when it is offered", () => {
        assert.equal(choose("redis-tools=5:7.0.15-1~deb12u10", RECORDED), "exact 5:7.0.15-1~deb12u10");
        assert.equal(choose("libc6=2.36-9+deb12u7", RECORDED), "exact 2.36-9+deb12u7");
    });

    it("takes the newest revision of the same upstream version when the pinned one is gone, and says so", () => {
        assert.equal(choose("redis-tools=5:7.0.15-1~deb12u10", NEWER),
            "revision 5:7.0.15-1~deb12u11 redis-tools: pinned 5:7.0.15-1~deb12u10 is no longer offered; taking 5:7.0.15-1~deb12u11, the newest Debian revision of upstream 5:7.0.15");
    });

    it("takes an older revision only as the newest offered, and says it is older", () => {
        assert.equal(choose("redis-tools=5:7.0.15-1~deb12u10", STALE),
            "revision 5:7.0.15-1~deb12u7 redis-tools: pinned 5:7.0.15-1~deb12u10 is not offered; taking 5:7.0.15-1~deb12u7, an OLDER Debian revision of upstream 5:7.0.15 and the newest offered (are bookworm-updates and bookworm-security in the apt sources?)");
    });

    it("does not take another upstream version: it names the pin, what is offered and where to change it", () => {
        assert.equal(choose("redis-tools=5:7.0.15-1~deb12u10", OTHER),
            "upstream - redis-tools: pinned 5:7.0.15-1~deb12u10 (upstream 5:7.0.15) is not offered, only 5:7.2.4-1~deb12u1: another upstream version is not taken without a new pin; check it with the images, then change the pin of redis-tools in scripts/images/debs.sh");
    });

    it("says to check the apt sources when nothing offers the package", () => {
        assert.equal(choose("redis-tools=5:7.0.15-1~deb12u10", ""),
            "missing - redis-tools: the apt sources offer no amd64 version (pinned 5:7.0.15-1~deb12u10): check that /etc/apt/sources.list(.d) has Debian bookworm, bookworm-updates and bookworm-security, then run 'apt-get update'");
    });

    describe("resolution of a pin list, with a fake apt-cache and apt-get", () => {
        let dir: string;
        // apt-cache madison prints the lists in $FAKE/madison; apt-get update installs $FAKE/fresh
        function fake(lists: string, fresh: string) {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-debs-"));
            fs.mkdirSync(path.join(dir, "bin"));
            fs.writeFileSync(path.join(dir, "madison"), lists);
            fs.writeFileSync(path.join(dir, "fresh"), fresh);
            fs.writeFileSync(path.join(dir, "bin", "apt-cache"), `#!/bin/sh\necho "apt-cache $*" >>"${dir}/log"\ncat "${dir}/madison"\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "bin", "apt-get"), `#!/bin/sh\necho "apt-get $*" >>"${dir}/log"\n[ "$1" = update ] && cp "${dir}/fresh" "${dir}/madison"\nexit 0\n`, { mode: 0o755 });
            return { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, DEBS: path.join(dir, "debs") };
        }
        const log = () => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n") : []);
        const RESOLVE = `DEBS_OF=(); debs_for img redis-tools=5:7.0.15-1~deb12u10 libc6=2.36-9+deb12u14
debs_resolve "\${FORCE:-0}"; debs_list img; debs_key img k`;
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("refreshes stale lists once (with a progress line), takes the pins, and caches the result: no apt call on the next run", () => {
            const env = fake(STALE, RECORDED);
            const first = bash(RESOLVE, env);
            assert.equal(first.status, 0, first.stderr);
            const lines = first.stdout.split("\n");
            assert.deepEqual(lines.slice(0, 3), [
                "[images] refreshing the Debian package lists (apt-get update): the lists do not offer libc6=2.36-9+deb12u14 redis-tools=5:7.0.15-1~deb12u10",
                "libc6=2.36-9+deb12u14",
                "redis-tools=5:7.0.15-1~deb12u10",
            ]);
            assert.deepEqual(log(), ["apt-cache madison libc6 redis-tools", "apt-get update -q", "apt-cache madison libc6 redis-tools"]);
            const second = bash(RESOLVE, env);
            assert.equal(second.stdout, lines.slice(1).join("\n"), "the same packages and key from the cache");
            assert.equal(log().length, 3, "no apt call when the resolution is cached");
        });

        it("after a point release: the newer revision is taken with one line, recorded, and the image key changes", () => {
            const env = fake(RECORDED, RECORDED);
            const before = bash(RESOLVE, env).stdout.split("\n");
            for (const f of ["madison", "fresh"]) fs.writeFileSync(path.join(dir, f), NEWER);
            const after = bash(RESOLVE, { ...env, FORCE: "1" });
            assert.equal(after.status, 0, after.stderr);
            const lines = after.stdout.split("\n");
            assert.deepEqual(lines.slice(0, 4), [
                "[images] refreshing the Debian package lists (apt-get update): the lists do not offer redis-tools=5:7.0.15-1~deb12u10",
                "[images] redis-tools: pinned 5:7.0.15-1~deb12u10 is no longer offered; taking 5:7.0.15-1~deb12u11, the newest Debian revision of upstream 5:7.0.15",
                "libc6=2.36-9+deb12u14",
                "redis-tools=5:7.0.15-1~deb12u11",
            ]);
            assert.match(lines[4], /^[0-9a-f]{12}$/);
            assert.notEqual(lines[4], before[2], "another resolution, another archive");
        });

        it("fails with one message, after refreshing, when only another upstream version is offered", () => {
            const env = fake(OTHER, OTHER);
            const r = bash(RESOLVE, env);
            assert.equal(r.status, 1);
            assert.equal(r.stderr, "[images] ERROR: redis-tools: pinned 5:7.0.15-1~deb12u10 (upstream 5:7.0.15) is not offered, only 5:7.2.4-1~deb12u1: another upstream version is not taken without a new pin; check it with the images, then change the pin of redis-tools in scripts/images/debs.sh");
            assert.deepEqual(log(), ["apt-cache madison libc6 redis-tools", "apt-get update -q", "apt-cache madison libc6 redis-tools"]);
            assert.deepEqual(fs.readdirSync(env.DEBS), [], "no resolution is cached");
        });
    });
});
