/**
 * The runtime adapter interface: the only code that touches infrastructure. One small required
 * interface; optional capabilities (logs, watch) are separate interfaces checked with a predicate. A
 * runtime comes as a {@link RuntimeModule}, listed in `registry.ts`.
 */
import type { z } from 'zod';
import type { DesiredUnit, ObservedUnit, UnitKey } from '../desired/types.js';
import type { Workload } from '../inputs/schema.js';
import type { Sealer } from '../secrets/sealer.js';

export interface ApplyOptions {
  /** Aborting stops waiting; instances already started are left as they are. */
  readonly signal?: AbortSignal;
  /** Progress in words ("api/dev@local: replica 0 ready"). */
  readonly onProgress?: (message: string) => void;
}

/**
 * Something a runtime noticed on its own: a crash, a restart, a failed probe, or a stored record
 * of a unit that could not be used (`record-unusable`: set aside; the unit needs deploying again).
 */
export interface RuntimeEvent {
  readonly type: 'instance-started' | 'instance-ready' | 'instance-crashed' | 'instance-restarted' | 'instance-unhealthy' | 'instance-stopped' | 'record-unusable';
  readonly key: UnitKey;
  /** The instance's id; for `record-unusable`, the record's file name. */
  readonly instance: string;
  readonly message: string;
}

export interface RuntimeAdapter {
  /** The runtime kind, as written in a target's `runtime`. */
  readonly kind: string;
  /**
   * True when the adapter tells `RuntimeContext.onEvent` of its instances' restarts, crashes and
   * recoveries itself; otherwise the observe loop tells them from what it observes.
   */
  readonly reportsInstanceEvents?: boolean;
  /**
   * True when the runtime restarts a crashed instance by itself (a supervisor): the reconcile loop
   * then gives it time to, rather than correcting at once.
   */
  readonly restartsInstances?: boolean;
  /**
   * Make the unit run as described. Idempotent: applying the same unit twice changes nothing.
   * Resolves once every desired replica is ready. On failure throws a `RuntimeError` and leaves
   * the previously running release serving.
   */
  apply(unit: DesiredUnit, options?: ApplyOptions): Promise<void>;
  /** Stop and forget every instance of the unit. Idempotent: removing nothing succeeds. */
  remove(key: UnitKey, options?: ApplyOptions): Promise<void>;
  /** What runs on this target now. Never throws for a single broken unit: it reports it. */
  observe(): Promise<ObservedUnit[]>;
  /** Stop supervising and release resources. Instances keep running for the next start to adopt. */
  close(): Promise<void>;
}

export interface LogLine {
  readonly instance: string;
  readonly stream: 'stdout' | 'stderr' | 'output';
  readonly line: string;
}

export interface LogsOptions {
  /** Last lines per instance to begin with (default 100). */
  readonly tail?: number;
  /** Keep streaming new lines until the signal aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/** Optional capability: read an instance's output. */
export interface LogSource {
  logs(key: UnitKey, options?: LogsOptions): AsyncIterable<LogLine>;
}

/** True when the adapter can stream logs. */
export function hasLogs(adapter: RuntimeAdapter): adapter is RuntimeAdapter & LogSource {
  return typeof (adapter as Partial<LogSource>).logs === 'function';
}

/**
 * What a watched target tells its listener. `changed`: something on the target changed (an instance
 * exited, started or became ready, a release was switched), with the unit when the target can tell.
 * `linked`: a link to the target (one of its hosts, its engine's event stream) was made, or made
 * again: what happened while it was down is unknown, so observe the target in full. `lost`: a link
 * broke or fell silent; changes behind it go untold until it is `linked` again.
 */
export type WatchEvent =
  | { readonly type: 'changed'; readonly key?: UnitKey; readonly message: string }
  | { readonly type: 'linked'; readonly link: string }
  | { readonly type: 'lost'; readonly link: string; readonly message: string };

/** A watch under way. */
export interface Watching {
  /** Stops watching and closes its links; resolves once they are closed. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/**
 * Optional capability: tell a listener when something on the target changes, so that it is
 * observed when it changes rather than on a period. `observe()` stays the source of truth: the
 * listener observes the target in full when a link is made (and made again), after a change, and
 * now and then in case a change went untold.
 */
export interface Watchable {
  /**
   * Starts watching and returns at once; never throws. Each link is made in the background and told
   * `linked` once it is, or `lost` when it cannot be made; the adapter keeps each link alive with a
   * heartbeat, tells one that falls silent `lost`, and makes it again by itself, backing off. A link
   * that stays down is told `lost` once, not on every attempt.
   */
  watch(listener: (event: WatchEvent) => void): Watching;
}

/** True when the adapter can tell of changes on its target as they happen. */
export function hasWatch(adapter: RuntimeAdapter): adapter is RuntimeAdapter & Watchable {
  return typeof (adapter as Partial<Watchable>).watch === 'function';
}

/** What every adapter is given when it is opened for one target. */
/** What `RuntimeModule.warm` is told. */
export interface WarmContext extends Pick<RuntimeContext, 'target' | 'stateDir'> {
  /** The target's units can be changed by no other process now (this one holds the embedded store), so reading them ahead is safe. */
  readonly readAhead: boolean;
}

export interface RuntimeContext {
  /** The target's name in the project file. */
  readonly target: string;
  /** Absolute directory the adapter may keep its state in; survives restarts. */
  readonly stateDir: string;
  /**
   * Encrypts with the secret store's key what the adapter keeps in `stateDir` that may hold
   * secrets (an instance's environment): resolved values never reach a file in plain text.
   */
  readonly sealer: Sealer;
  /** Told of everything the adapter notices on its own. */
  readonly onEvent?: (event: RuntimeEvent) => void;
  /**
   * The login for the image registry at `host` (`host[:port]`, as keyed in the project's
   * `registries`), its password resolved from the secret store; undefined when the project has
   * none for it (then pull without one). Absent: no logins at all. The password must never be
   * printed, logged or written in clear.
   */
  readonly registryLogin?: (host: string) => Promise<RegistryCredentials | undefined>;
}

/** A user name and password (or token) for an image registry, resolved: handle as a secret. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Something of a workload a runtime cannot honour: where in the workload, and why (a clause, without the runtime's name). */
export interface WorkloadRefusal {
  /** Keys and list indexes from the workload: `['files', 0]`, `['sidecars', 'db']`. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Point at the key of the last path segment rather than its value. */
  readonly at?: 'key';
}

/** The zod schema of a target's settings: a strict object whose `runtime` is the module's kind. */
export type TargetSettingsSchema = z.ZodObject<{ runtime: z.ZodLiteral<string> } & z.ZodRawShape>;

/**
 * A kind of runtime: one folder under `runtimes/` whose `index.ts` exports it, and one line in
 * `registry.ts`. The module itself is light (its settings schema and a few path rules): `open`
 * loads the adapter and its dependencies (dockerode, ssh2) only when a target of its kind opens.
 */
export interface RuntimeModule<S extends TargetSettingsSchema = TargetSettingsSchema> {
  /** The value of `runtime` in a target's settings; equal to the literal in `settings`. */
  readonly kind: string;
  /** A target's settings as the project file writes them; the project schema's `Target` is the union of these. */
  readonly settings: S;
  /** The settings with each path they hold resolved against the project directory. Pure; absent: none to resolve. */
  resolvePaths?(settings: z.infer<S>, projectDir: string): z.infer<S>;
  /**
   * The target's own state directory on this machine, when its (resolved) settings name one; absent
   * or undefined: `.slipway/runtime/<target>`. Two targets never share one.
   */
  stateDir?(settings: z.infer<S>, projectDir: string): string | undefined;
  /**
   * What of `workload` (a service's, as the project file or a Score file gives it) targets of this
   * kind cannot honour; empty or absent: all of it. Pure. `validate` refuses a service with any,
   * for the targets of this kind only, naming the runtime.
   */
  refuses?(workload: Workload): WorkloadRefusal[];
  /** Opens the adapter on resolved settings, adopting whatever already runs (see each adapter). */
  open(settings: z.infer<S>, ctx: RuntimeContext): Promise<RuntimeAdapter>;
  /**
   * Begins, in the background, what opening the target will wait for (logging in to its hosts),
   * changing nothing on it: the adapter opened next in this process for the same settings and state
   * directory takes it up, and what none takes up is dropped after a while. With `readAhead` it may
   * also read what runs there for the adapter's first observation: the caller holds what keeps every
   * other process from changing the target until it has opened the adapter. Returns what drops it
   * at once (nothing once taken up). Never throws; failures are left for `open` to meet. Absent:
   * nothing to begin.
   */
  warm?(settings: z.infer<S>, ctx: WarmContext): () => void;
}
