/**
 * The API's answers, typed from the server's own types so the two cannot drift; `Wire<T>` is a
 * type as JSON carries it (dates as ISO strings).
 */
import type { ActionChoice, BuildLog, DeploymentDetail, Drift, Explanation, History, Promotion, StatusRow } from '../../src/engine/index.js';
import type { LogLine } from '../../src/runtimes/index.js';
import type { Release } from '../../src/desired/types.js';
import type { Build as StoredBuild, SlipwayEvent } from '../../src/store/index.js';
import type { Principal } from '../../src/server/access.js';
import type { ServiceForCaller } from '../../src/server/routes.js';

export type Wire<T> = T extends Date ? string : T extends readonly (infer U)[] ? readonly Wire<U>[] : T extends object ? { readonly [K in keyof T]: Wire<T[K]> } : T;

export type Status = Wire<StatusRow>;
export type DriftItem = Wire<Drift>;
export type Choice = Wire<ActionChoice>;
export type Deployment = Wire<DeploymentDetail>;
export type ServiceHistory = Wire<History>;
export type PromotionInfo = Wire<Promotion>;
export type Explained = Wire<Explanation>;
export type Event = Wire<SlipwayEvent>;
export type Log = Wire<LogLine>;
export type ReleaseInfo = Wire<Release & { environments: string[] }>;
export type Caller = Wire<Principal> | { readonly anonymous: true };
export type Service = Wire<ServiceForCaller>;
export type Build = Wire<StoredBuild>;
export type BuildLogPage = Wire<BuildLog>;
