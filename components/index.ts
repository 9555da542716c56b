export { CacheTier, CacheTierArgs } from "./cache-tier";
export { ReplicatedRedis, ReplicatedRedisArgs } from "./redis-replicated";
export { Platform, PlatformArgs } from "./platform";
export { Guestbook, GuestbookArgs } from "./guestbook";
