/**
 * Builds of a workspace's services: asked for by a person, a verified tag push or the poller;
 * queued in the store (one per commit of a service); run here, at most `builds.concurrency` at a
 * time, each in a private work directory with its recipe's timeout; logged line by line; and, once
 * built, cut into a release whose promotion starts by the environments' rules. A build that a
 * newer tag of the same service has overtaken becomes a release but starts no promotion.
 */
import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Release, ServiceInput } from '../desired/types.js';
import { stableHash } from '../desired/index.js';
import { imageTag, newestFirst, runBuild, tagMatches, listRemoteTags, resolveRef, sameRepository, type Built, type RemoteTag } from '../build/index.js';
import { NotFoundError, SlipwayError, errorMessage } from '../errors.js';
import { Version } from '../inputs/name.js';
import type { Source } from '../inputs/schema.js';
import type { Build, NewBuild } from '../store/index.js';
import type { Push, WebhookProvider } from '../webhooks/index.js';
import { writtenService } from './releases.js';
import type { Workspace } from './workspace.js';

export interface BuildRequest {
  readonly service: string;
  /** A tag, branch or commit; absent: the newest tag that matches the source's patterns. */
  readonly ref?: string;
  readonly actor: string;
}

export interface BuildDriverDeps {
  /** Starts the promotion of a release a build became. */
  readonly promote: (release: Release, build: Build) => Promise<void>;
}

/** How often a log is written to the store while lines arrive. */
const LOG_FLUSH_MS = 200;
/** The longest a failing poll of a repository waits before trying again. */
const MAX_POLL_BACKOFF_MS = 10 * 60_000;

/** The one place builds are queued, run and ended, for this process. */
export class BuildDriver {
  readonly #running = new Map<string, { readonly controller: AbortController; readonly done: Promise<void> }>();
  /** Per service: when its source is polled next, and how many polls failed in a row. */
  readonly #polls = new Map<string, { due: number; failures: number }>();
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly ws: Workspace,
    private readonly deps: BuildDriverDeps,
  ) {}

  /** Tells `listener` whenever a build was queued or ended here, so a loop can run the next; returns the way to stop. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Queues a build of `ref` (or the newest matching tag) of a service's source; the standing build of that commit when there is one. */
  async request(request: BuildRequest): Promise<Build> {
    const { service, actor } = request;
    const source = this.sourceOf(service);
    const asked = request.ref === undefined ? await this.newestMatching(source) : { tag: request.ref, commit: await resolveRef(this.repositoryOf(source), request.ref) };
    if (!asked) throw new SlipwayError('not-found', `no tag of ${source.repository} matches ${source.tags.join(', ')}: push one, or name a ref (slipway build ${service} --ref <ref>)`);
    return this.queue({ service, ref: asked.tag, commit: asked.commit, trigger: 'manual', actor });
  }

  /** Queues a build for every service whose source is the pushed repository and whose patterns match the pushed tag. */
  async fromPush(provider: WebhookProvider, push: Push): Promise<Build[]> {
    if (push.tag === undefined || push.deleted) return [];
    const builds: Build[] = [];
    for (const [service, spec] of Object.entries(this.ws.project.spec.services)) {
      const source = spec.source;
      if (!source || !sameRepository(source.repository, { provider, repository: push.repository }) || !tagMatches(source.tags, push.tag)) continue;
      builds.push(await this.queue({ service, ref: push.tag, commit: push.sha, trigger: 'webhook', actor: `${provider}:${push.pusher}` }));
    }
    return builds;
  }

  /**
   * Polls each source with `pollSeconds` that is due: the newest matching tag is built unless its
   * commit was built before. A failing poll waits twice as long each time (at most 10 minutes)
   * and is recorded. Returns the milliseconds until the next poll is due.
   */
  async poll(now = Date.now()): Promise<number | undefined> {
    let soonest: number | undefined;
    for (const [service, spec] of Object.entries(this.ws.project.spec.services)) {
      const source = spec.source;
      if (!source?.pollSeconds) continue;
      const state = this.#polls.get(service) ?? { due: now, failures: 0 };
      if (state.due <= now) {
        const period = source.pollSeconds * 1000;
        try {
          await this.pollOne(service, source);
          this.#polls.set(service, { due: now + period, failures: 0 });
        } catch (error) {
          const wait = Math.min(period * 2 ** (state.failures + 1), MAX_POLL_BACKOFF_MS);
          this.#polls.set(service, { due: now + wait, failures: state.failures + 1 });
          await this.ws.store.appendEvent({ type: 'build.poll-failed', actor: 'slipway', service, message: `polling ${source.repository} failed (next try in ${Math.round(wait / 1000)} s): ${errorMessage(error)}` });
        }
      }
      const due = this.#polls.get(service)!.due - now;
      soonest = soonest === undefined ? due : Math.min(soonest, due);
    }
    return soonest;
  }

  /** Starts queued builds, oldest first, while fewer than `builds.concurrency` run here. */
  async runQueued(): Promise<void> {
    const room = this.ws.project.spec.builds.concurrency - this.#running.size;
    if (room <= 0) return;
    const queued = (await this.ws.store.builds.listBuilds({ statuses: ['queued'] })).reverse();
    for (const build of queued.slice(0, room)) {
      const started = await this.ws.store.builds.startBuild(build.id, 'checking out');
      if (!started) continue;
      const controller = new AbortController();
      const done = this.execute(started, controller.signal).finally(() => {
        this.#running.delete(build.id);
        this.#listeners.forEach((listener) => listener());
      });
      this.#running.set(build.id, { controller, done });
    }
  }

  /** Resolves once the build has ended (running it here when it is queued). */
  async waitFor(id: string): Promise<Build> {
    for (;;) {
      const build = await this.ws.store.builds.getBuild(id);
      if (!build) throw new NotFoundError('build', id);
      if (!['queued', 'running'].includes(build.status)) return build;
      await this.runQueued();
      await (this.#running.get(id)?.done ?? new Promise((done) => setTimeout(done, 200)));
    }
  }

  /** Cancels a queued or running build; a build that has ended is left as it is. */
  async cancel(id: string, actor: string): Promise<Build> {
    const build = await this.ws.store.builds.getBuild(id);
    if (!build) throw new NotFoundError('build', id);
    const running = this.#running.get(id);
    if (running) {
      running.controller.abort(new BuildCancelled(`cancelled by ${actor}`));
      await running.done;
    } else if (await this.ws.store.builds.finishBuild(id, { status: 'cancelled', message: `cancelled by ${actor}` })) {
      await this.tell(build, 'build.cancelled', actor, `${actor} cancelled build of ${build.service} ${build.ref}`);
    }
    return (await this.ws.store.builds.getBuild(id))!;
  }

  /**
   * Builds a process that stopped left running are ended as interrupted and queued again, so none
   * is lost. Only the process holding the workspace runs builds, so any running now is such a one.
   */
  async recover(): Promise<void> {
    for (const build of await this.ws.store.builds.listBuilds({ statuses: ['running'] })) {
      if (this.#running.has(build.id)) continue;
      await this.ws.store.builds.finishBuild(build.id, { status: 'failed', message: 'interrupted: the process running it stopped; queued again' });
      await this.enqueue({ service: build.service, ref: build.ref, commit: build.commit, trigger: build.trigger, actor: build.actor });
    }
  }

  /** Stops every build running here; they are queued again at the next start (`recover`). */
  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort(new SlipwayError('unavailable', 'stopped with the process running it'));
    await Promise.all(running.map((r) => r.done));
  }

  /**
   * Queues a build, unless the commit has a standing build (then that one). A webhook or the poller
   * also leaves alone a commit whose build failed or was cancelled: only a person builds it again.
   */
  private async queue(build: NewBuild): Promise<Build> {
    if (build.trigger !== 'manual') {
      const before = (await this.ws.store.builds.listBuilds({ service: build.service, commit: build.commit, limit: 1 }))[0];
      if (before) return before;
    }
    return this.enqueue(build);
  }

  /** Queues a build unless the commit has a standing one (then that one), and tells of it. */
  private async enqueue(build: NewBuild): Promise<Build> {
    const { build: queued, queued: isNew } = await this.ws.store.builds.queueBuild(build);
    if (isNew) {
      await this.tell(queued, 'build.queued', build.actor, `${build.actor} queued a build of ${build.service} ${build.ref} (${build.commit.slice(0, 7)})`);
      this.#listeners.forEach((listener) => listener());
    }
    return queued;
  }

  /** Runs a build taken from the queue to its end; a release it became starts its promotion after the build has ended. */
  private async execute(build: Build, signal: AbortSignal): Promise<void> {
    const release = await this.buildRelease(build, signal);
    if (!release) return;
    await this.deps.promote(release, build).catch((error: unknown) =>
      this.tell(build, 'build.promotion-refused', 'slipway', `${build.service} ${release.version} was built, but its promotion did not start: ${errorMessage(error)}`),
    );
  }

  /** Builds, records how it ended, and gives the release to promote (none when failed, cancelled, stopped or overtaken). */
  private async buildRelease(build: Build, signal: AbortSignal): Promise<Release | undefined> {
    const spec = this.ws.project.spec;
    const log = new LogWriter((lines) => this.ws.store.builds.appendBuildLog(build.id, lines));
    const workDir = join(this.ws.stateDir, 'builds', build.id);
    const timeoutSeconds = spec.services[build.service]?.source?.build.timeoutSeconds ?? 900;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new SlipwayError('build-failed', `timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    await this.tell(build, 'build.started', build.actor, `building ${build.service} ${build.ref} (${build.commit.slice(0, 7)})`);
    try {
      const source = this.sourceOf(build.service);
      await mkdir(workDir, { recursive: true, mode: 0o700 });
      const registry = spec.builds.registry;
      const push = registry && !source.build.commands ? { repository: `${registry}/${build.service}`, tag: imageTag(build.ref), login: await this.ws.registryLogin(registry.split('/')[0]!) } : undefined;
      const plan = { repository: this.repositoryOf(source), commit: build.commit, recipe: source.build, workDir, artifactsDir: this.ws.artifactsDir, ...(push && { push }) };
      const built = await runBuild(plan, { signal: controller.signal, log: (line) => log.write(line) });
      await log.close();
      const release = await this.releaseOf(build, built);
      const overtaken = await this.overtaken(build);
      const message = `built ${'image' in built ? built.image : built.artifactDigest} as release ${release.version}${overtaken ? `; not promoted: ${overtaken}` : ''}`;
      await this.ws.store.builds.finishBuild(build.id, { status: 'succeeded', message, releaseId: release.id, ...built });
      await this.tell(build, 'build.succeeded', build.actor, `${build.service} ${build.ref}: ${message}`, { releaseId: release.id, version: release.version });
      return overtaken ? undefined : release;
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      const status = reason instanceof BuildCancelled ? 'cancelled' : 'failed';
      log.write(`build ${status}: ${errorMessage(reason)}`);
      await log.close();
      if (signal.aborted && status === 'failed') return undefined; // stopped with the process: `recover` queues it again
      await this.ws.store.builds.finishBuild(build.id, { status, message: errorMessage(reason) });
      await this.tell(build, `build.${status}`, build.actor, `build of ${build.service} ${build.ref} ${status}: ${errorMessage(reason)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Why a build should not start a promotion: a build of a newer tag of its service stands (queued, running or built). */
  private async overtaken(build: Build): Promise<string | undefined> {
    const standing = await this.ws.store.builds.listBuilds({ service: build.service, statuses: ['queued', 'running', 'succeeded'] });
    const newer = standing.find((b) => b.ref !== build.ref && newestFirst([build.ref, b.ref])[0] === b.ref);
    return newer && `${newer.ref} is newer (${newer.status === 'succeeded' ? 'built' : newer.status})`;
  }

  /** The release a build becomes: the service as written now, its image the one built (or its artifact). */
  private async releaseOf(build: Build, built: Built): Promise<Release> {
    const written = writtenService(this.ws, build.service);
    const spec: ServiceInput = 'image' in built ? { ...written, workload: { ...written.workload, image: built.image } } : written;
    const artifactDigest = 'artifactDigest' in built ? built.artifactDigest : null;
    const specHash = stableHash(spec);
    const releases = await this.ws.store.listReleases(build.service);
    const same = releases.find((r) => r.specHash === specHash && r.artifactDigest === artifactDigest);
    if (same) return same;
    const taken = new Set(releases.map((r) => r.version));
    const asTag = Version.safeParse(build.ref).success && !taken.has(build.ref) ? build.ref : undefined;
    const version = asTag ?? `${imageTag(build.ref)}-${build.commit.slice(0, 7)}`;
    return this.ws.store.putRelease({ service: build.service, version, artifactDigest, specHash, spec, createdBy: build.actor });
  }

  private async pollOne(service: string, source: Source): Promise<void> {
    const newest = await this.newestMatching(source);
    if (newest) await this.queue({ service, ref: newest.tag, commit: newest.commit, trigger: 'poll', actor: 'slipway:poller' });
  }

  /** The newest tag of the source that its patterns match, with its commit: one `git ls-remote`. */
  private async newestMatching(source: Source): Promise<RemoteTag | undefined> {
    const matching = (await listRemoteTags(this.repositoryOf(source), { timeoutMs: 30_000 })).filter((t) => tagMatches(source.tags, t.tag));
    const newest = newestFirst(matching.map((t) => t.tag))[0];
    return matching.find((t) => t.tag === newest);
  }

  private sourceOf(service: string): Source {
    const spec = this.ws.project.spec.services[service];
    if (!spec) throw new NotFoundError('service', service);
    if (!spec.source) throw new SlipwayError('invalid-request', `${service} has no source to build: give it \`source: { repository: … }\` in the project file`);
    return spec.source;
  }

  /** A local path is taken relative to the project file. */
  private repositoryOf(source: Source): string {
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(source.repository) || /^[^/]+@[^/]+:/.test(source.repository);
    return url || isAbsolute(source.repository) ? source.repository : resolve(this.ws.project.dir, source.repository);
  }

  private async tell(build: Build, type: string, actor: string, message: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.ws.store.appendEvent({ type, actor, service: build.service, message, data: { build: build.id, ref: build.ref, commit: build.commit, ...data } });
  }
}

/** Why a build was stopped when a person cancelled it. */
class BuildCancelled extends SlipwayError {
  constructor(message: string) {
    super('build-failed', message);
  }
}

/** Lines of a build's log, written to the store in batches while they come and all at `close()`. */
class LogWriter {
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly append: (lines: string[]) => Promise<void>) {}

  write(line: string): void {
    this.#pending.push(line);
    this.#timer ??= setTimeout(() => this.flush(), LOG_FLUSH_MS);
  }

  async close(): Promise<void> {
    this.flush();
    await this.#writing;
  }

  private flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lines = this.#pending.splice(0);
    if (lines.length) this.#writing = this.#writing.then(() => this.append(lines)).catch(() => {});
  }
}
