/**
 * A workspace: one project file opened with its store and the runtime of every target.
 * Exactly one process opens a workspace at a time (the lock beside the store); other Slipway
 * commands talk to that process over its control socket instead.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadProject, projectInputFiles, type Project, type Target } from '../inputs/index.js';
import { openStore, type Store } from '../store/index.js';
import { openRuntime, type RuntimeAdapter, type RuntimeEvent } from '../runtimes/index.js';
import { NotFoundError } from '../errors.js';
import { keySealer, loadSecretKey } from '../secrets/index.js';
import { acquirePidLock } from '../pid-lock.js';
import { ensurePrivateDir } from '../state-dir.js';
import { forgettingOnChange, Observations } from './observations.js';
import { KeyedLock } from '../keyed-lock.js';

export interface WorkspaceOptions {
  /** Path of the project file (`slipway.yaml`). */
  readonly projectFile: string;
  /** PostgreSQL URL; the embedded store in `.slipway/` when absent. */
  readonly databaseUrl?: string;
}

/** The state directory of the project whose file is `projectFile`. */
export function stateDirOf(projectFile: string): string {
  return join(resolve(projectFile, '..'), '.slipway');
}

/** The key of (service, environment) in `Workspace.changes`. */
export function changeKey(service: string, environment: string): string {
  return JSON.stringify([service, environment]);
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

/** The lock file a running workspace holds. */
export function workspaceLockFile(stateDir: string): string {
  return join(stateDir, 'slipway.pid');
}

export class Workspace {
  readonly #runtimes = new Map<string, RuntimeAdapter>();
  /** What each target was last seen running; its runtime's apply and remove forget it. */
  readonly observations = new Observations();
  /** Changes of units by (service, environment), taking turns: see `changing`. */
  readonly changes = new KeyedLock();
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
    private readonly releaseLock: () => void,
  ) {
    this.project = loaded.project;
    this.#loadedFrom = loaded.texts;
  }

  /** The project file as last loaded. */
  project: Project;

  /**
   * Opens the workspace: validates the project file first (an invalid file changes nothing), makes
   * or checks the private state directory (`UnsafeStateDirError`, changing nothing, when others
   * could write it), takes the lock (`LockedError` when another process has it), opens the store,
   * records the project's services, environments and targets, and opens each target's runtime,
   * which adopts what runs.
   */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const loaded = await loadRecordingTexts(options.projectFile);
    const { project } = loaded;
    const stateDir = stateDirOf(project.file);
    ensurePrivateDir(stateDir);
    const releaseLock = acquirePidLock(workspaceLockFile(stateDir));
    let store: Store | undefined;
    try {
      store = await openStore({ dir: stateDir, databaseUrl: options.databaseUrl });
      const ws = new Workspace(loaded, store, stateDir, releaseLock);
      await closeInterrupted(store);
      await ws.adopt(project);
      return ws;
    } catch (error) {
      await store?.close();
      releaseLock();
      throw error;
    }
  }

  /**
   * Runs `work` once nothing else in this process is changing the units of `service` in
   * `environment`: deployments (and so promotions and rollbacks) and the reconciler's corrections
   * take turns, and each decides what to do inside its turn.
   */
  changing<T>(service: string, environment: string, work: () => Promise<T>): Promise<T> {
    return this.changes.run(changeKey(service, environment), work);
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

  /** Closes runtimes (their instances keep running), the store, and the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#runtimes.values()].map((runtime) => runtime.close()));
    await this.store.close();
    this.releaseLock();
  }

  private async adopt(project: Project): Promise<void> {
    await this.store.syncProject(project.spec);
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
    const place = { projectDir: this.project.dir, stateDir: join(this.stateDir, 'runtime', name) };
    const adapter = await openRuntime(target, place, { target: name, sealer: this.#sealer, onEvent });
    return forgettingOnChange(adapter, () => this.observations.forget(name));
  }

  /**
   * Records a runtime event in the audit log (actor `runtime:<target>`), first forgetting what the
   * target was seen running, so that a display read on the event sees the change. Never throws, so
   * failing to record one cannot stop supervision.
   */
  async recordRuntimeEvent(event: RuntimeEvent): Promise<void> {
    if (this.#closed) return;
    this.observations.forget(event.key.target);
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

/**
 * Deployments left `pending` or `running` by a process that was killed: only the lock holder
 * deploys, so they are over. They are closed as failed (what they did is observed again, and a
 * promotion redoes its step), so that nothing waits on them.
 */
async function closeInterrupted(store: Store): Promise<void> {
  for (const deployment of await store.listDeployments({ statuses: ['pending', 'running'] })) {
    await store.setDeploymentStatus(deployment.id, 'failed', `${deployment.message}: interrupted, Slipway stopped during it`);
  }
}
