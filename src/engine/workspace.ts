/**
 * A workspace: one project file opened with its store, the runtime of every target, and the
 * executor that carries out every change under a lease. Exactly one process opens a workspace's
 * state directory at a time (it holds the lease `workspace:<host>:<directory>`); other Slipway
 * commands talk to that process over its control socket instead.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadProject, projectInputFiles, type Project, type Target } from '../inputs/index.js';
import { openStore, type Store } from '../store/index.js';
import { openRuntime, warmRuntime, type RegistryCredentials, type RuntimeAdapter, type RuntimeEvent, type TargetPlace } from '../runtimes/index.js';
import { NotFoundError } from '../errors.js';
import { keySealer, loadSecretKey, resolveSecretRefs } from '../secrets/index.js';
import { hostname } from 'node:os';
import { Executor } from '../lease/executor.js';
import { holdLease, type HeldLease } from '../lease/held-lease.js';
import { recoverUnit } from './deploy.js';
import { secretStore } from './materials.js';
import { ensurePrivateDir } from '../state-dir.js';
import { Observations } from './observations.js';
import { trace } from '../trace.js';

export interface WorkspaceOptions {
  /** Path of the project file (`slipway.yaml`). */
  readonly projectFile: string;
  /** PostgreSQL URL; the embedded store in `.slipway/` when absent. */
  readonly databaseUrl?: string;
  /**
   * Has each target begin, while the store opens, what opening it will wait for (`RuntimeModule.warm`:
   * logging in to ssh hosts), for a process about to read or change what runs there. Default: false,
   * so a command that only reads records logs in nowhere.
   */
  readonly warm?: boolean;
}

/** The state directory of the project whose file is `projectFile`. */
export function stateDirOf(projectFile: string): string {
  return join(resolve(projectFile, '..'), '.slipway');
}

interface LoadedProject {
  readonly project: Project;
  /** The texts of `projectInputFiles(project)` as they were read to load it. */
  readonly texts: readonly string[];
}

/** Loads the project at `file`, keeping the text of each input file exactly as it was parsed. */
async function loadRecordingTexts(file: string): Promise<LoadedProject> {
  const read = new Map<string, string>();
  const project = await loadProject(file, async (path) => {
    const text = await readFile(path, 'utf8');
    read.set(path, text);
    return text;
  });
  return { project, texts: projectInputFiles(project).map((path) => read.get(path) ?? '') };
}

/** The lease a process holds while it has the workspace of `stateDir` open. */
export function workspaceLease(stateDir: string): string {
  return `workspace:${hostname()}:${stateDir}`;
}

export class Workspace {
  readonly #runtimes = new Map<string, RuntimeAdapter>();
  /** What each target was last seen running; its runtime's apply and remove forget it. */
  readonly observations = new Observations();
  readonly #listeners = new Set<(event: RuntimeEvent) => void>();
  /** Carries out every change under its key's lease; finishes what a killed holder left half done. */
  readonly executor: Executor;
  /** Seals what runtimes keep that may hold secrets, with the secret key: read (or made) when first needed. */
  readonly #sealer = keySealer(() => loadSecretKey({ stateDir: this.stateDir }));
  #closed = false;
  /** The texts of `projectInputFiles(project)` that `project` was loaded from, in that order. */
  #loadedFrom: readonly string[];

  private constructor(
    loaded: LoadedProject,
    readonly store: Store,
    /** `.slipway/` beside the project file: store, artifacts, runtime state, lock, socket. */
    readonly stateDir: string,
    private readonly held: HeldLease,
  ) {
    this.executor = new Executor(store.leases, { recover: (key) => recoverUnit(this, key) });
    this.project = loaded.project;
    this.#loadedFrom = loaded.texts;
  }

  /** The project file as last loaded. */
  project: Project;

  /**
   * Opens the workspace: validates the project file first (an invalid file changes nothing), makes
   * or checks the private state directory (`UnsafeStateDirError`, changing nothing, when others
   * could write it), with `warm` has each target begin what opening it waits for (logging in to
   * ssh hosts) while it opens the store, takes the workspace's lease (`LockedError` when a live
   * process has it), records the project's services, environments and targets, and opens each
   * target's runtime, which adopts what runs.
   */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const loaded = await loadRecordingTexts(options.projectFile);
    const { project } = loaded;
    trace('project loaded');
    const stateDir = stateDirOf(project.file);
    ensurePrivateDir(stateDir);
    // Logging in to hosts goes on while the store opens; the targets' runtimes take it up. The
    // embedded store is this process's alone once `openStore` has begun (it takes the store's lock
    // before it awaits anything), so no other process changes the targets meanwhile: they may be read.
    const targets = options.warm ? Object.entries(project.spec.targets) : [];
    const readAhead = options.databaseUrl === undefined;
    const warm = targets.map(([name, target]) => warmRuntime(target, targetPlace(project, stateDir, name), name, readAhead));
    try {
      const store = await openStore({ dir: stateDir, databaseUrl: options.databaseUrl });
      trace('store open');
      let held: HeldLease | undefined;
      try {
        held = await holdLease(store.leases, workspaceLease(stateDir));
        trace('workspace lease held');
        const ws = new Workspace(loaded, store, stateDir, held);
        await ws.adopt(project);
        trace('runtimes open');
        return ws;
      } catch (error) {
        await held?.release();
        await store.close();
        throw error;
      }
    } finally {
      for (const drop of warm) drop();
    }
  }

  /** Content-addressed artifact snapshots. */
  get artifactsDir(): string {
    return join(this.stateDir, 'artifacts');
  }

  get runtimes(): ReadonlyMap<string, RuntimeAdapter> {
    return this.#runtimes;
  }

  /** The adapter of a target; throws `NotFoundError` for an unknown one. */
  runtime(target: string): RuntimeAdapter {
    const adapter = this.#runtimes.get(target);
    if (!adapter) throw new NotFoundError('target', target);
    return adapter;
  }

  /**
   * Reads the project file again. An invalid file throws `InvalidInputError` and changes nothing;
   * a valid one is recorded and any new target's runtime is opened. When no input file (project,
   * layers, Score files) changed since it was loaded (at open or by a reload), it only reads them
   * and keeps the project, so what depends on the project object keeps what it worked out.
   */
  async reload(): Promise<void> {
    const texts = await Promise.all(projectInputFiles(this.project).map((file) => readFile(file, 'utf8').catch(() => undefined)));
    if (texts.every((text, i) => text === this.#loadedFrom[i])) return;
    const loaded = await loadRecordingTexts(this.project.file);
    await this.adopt(loaded.project);
    this.#loadedFrom = loaded.texts;
  }

  /** Closes runtimes (their instances keep running), gives up the workspace's lease, closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#runtimes.values()].map((runtime) => runtime.close()));
    await this.held.release();
    await this.store.close();
  }

  private async adopt(project: Project): Promise<void> {
    await this.store.syncProject(project.spec);
    trace('project synced');
    this.project = project;
    for (const [name, target] of Object.entries(project.spec.targets)) {
      if (!this.#runtimes.has(name)) this.#runtimes.set(name, await this.openTarget(name, target));
    }
  }

  /**
   * Opens the runtime of a target through its module (`runtimes/registry.ts`), with a state
   * directory of its own on this machine: `.slipway/runtime/<name>`, unless its settings name one
   * (a process target's `baseDir`).
   */
  private async openTarget(name: string, target: Target): Promise<RuntimeAdapter> {
    const onEvent = (event: RuntimeEvent) => void this.recordRuntimeEvent(event);
    const registryLogin = (host: string) => this.registryLogin(host);
    const adapter = await openRuntime(target, targetPlace(this.project, this.stateDir, name), { target: name, sealer: this.#sealer, onEvent, registryLogin });
    return this.observations.changingOn(name, adapter);
  }

  /**
   * The login for the image registry `host` (`host[:port]`) in the project's `registries` as last
   * loaded, its password read from the secret store; undefined when the project has none for it.
   * Throws `UnresolvedSecretError` (naming the registry and the secret, never a value) when its
   * secret is not set. The password must never be printed, logged or written in clear.
   */
  async registryLogin(host: string): Promise<RegistryCredentials | undefined> {
    const login = this.project.spec.registries[host];
    if (!login) return undefined;
    const { env } = await resolveSecretRefs({ password: login.password }, secretStore(this), `registry ${host}`);
    return { username: login.username, password: env.password! };
  }

  /** Tells `listener` of every runtime event (a crash, a restart, an instance ready) as it happens; returns the way to stop. */
  onRuntimeEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Records a runtime event in the audit log (actor `runtime:<target>`), first forgetting what the
   * target was seen running, so that a display read on the event sees the change. Never throws, so
   * failing to record one cannot stop supervision.
   */
  async recordRuntimeEvent(event: RuntimeEvent): Promise<void> {
    if (this.#closed) return;
    this.observations.forget(event.key.target);
    for (const listener of this.#listeners) listener(event);
    try {
      await this.store.appendEvent({
        type: event.type.replace('-', '.'),
        actor: `runtime:${event.key.target}`,
        service: event.key.service,
        environment: event.key.environment,
        message: event.message,
        data: { instance: event.instance, target: event.key.target },
      });
    } catch {
      // the store is closing; the runtime keeps its own state
    }
  }
}

/** Where target `name` of `project` opens: relative to the project file, with `.slipway/runtime/<name>` as its state unless its settings name one. */
function targetPlace(project: Project, stateDir: string, name: string): TargetPlace {
  return { projectDir: project.dir, stateDir: join(stateDir, 'runtime', name) };
}
