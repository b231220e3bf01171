/**
 * Liveness probes of a container target, run by the runtime (on the control plane's side, as
 * readiness probes are): Podman's own healthchecks need systemd timers and an HTTP client in the
 * image. As in Kubernetes, a container's probe is first tried `initialDelaySeconds` after it
 * started, then every `periodSeconds`; `failureThreshold` failures in a row restart it (the same
 * container, stopped and started again), and each new run of the container starts over.
 *
 * Decided apart from acted on: {@link nextLivenessMove} says, from the probe's timing, the history
 * of this run's results and the clock, whether to probe now, wait or restart (pure); a
 * {@link LivenessProber} runs one loop per container that acts on it. Probes run only while the
 * runtime is open: in `slipway server` all the time, in a one-shot CLI command only until it ends
 * (as the process runtime's supervision).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../../errors.js';
import type { InstanceLabels, LivenessProbe } from './labels.js';

/** When and how often a liveness probe may fail. */
export type LivenessTiming = Pick<LivenessProbe, 'initialDelaySeconds' | 'periodSeconds' | 'failureThreshold'>;

/** The results of one run of a container (from one start to the next). */
export interface LivenessHistory {
  /** When the run began (ms since the epoch). */
  readonly startedAt: number;
  /** When the last probe of this run was sent (or skipped); absent before the first. */
  readonly probedAt?: number;
  /** Why each probe since the last one that passed failed, oldest first. */
  readonly failures: readonly string[];
}

/** What to do next: `restart` carries the failures that call for it. */
export type LivenessMove =
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'probe' }
  | { readonly kind: 'restart'; readonly failures: readonly string[] };

/**
 * The next move for a container: restart once `failureThreshold` probes failed in a row; else
 * probe when the first is due (`initialDelaySeconds` after the run began) or the next one
 * (`periodSeconds` after the last was sent); else wait until then. Pure.
 */
export function nextLivenessMove(timing: LivenessTiming, history: LivenessHistory, now: number): LivenessMove {
  if (history.failures.length >= timing.failureThreshold) return { kind: 'restart', failures: history.failures };
  const due = history.probedAt === undefined ? history.startedAt + timing.initialDelaySeconds * 1000 : history.probedAt + timing.periodSeconds * 1000;
  return now >= due ? { kind: 'probe' } : { kind: 'wait', ms: due - now };
}

/** The history after a probe sent at `at`: `failure` (why it failed) added, or, when it passed (undefined), the failures cleared. Pure. */
export function afterProbe(history: LivenessHistory, at: number, failure: string | undefined): LivenessHistory {
  return { ...history, probedAt: at, failures: failure === undefined ? [] : [...history.failures, failure] };
}

/**
 * The history to go on with once the container was seen at `at`: a run that began at another
 * time than `history`'s starts over; one that does not run now (stopped, restarting) is not probed
 * and counts no failure: its next probe is a period away. Pure.
 */
export function seenRun(history: LivenessHistory, run: { readonly running: boolean; readonly startedAt: number }, at: number): LivenessHistory {
  if (run.startedAt !== history.startedAt) return { startedAt: run.startedAt, failures: [] };
  return run.running ? history : { startedAt: run.startedAt, probedAt: at, failures: [] };
}

/** A container whose liveness is probed. */
export interface LivenessSubject {
  readonly id: string;
  readonly labels: InstanceLabels & { readonly livenessProbe: LivenessProbe };
}

/** Side effects of a {@link LivenessProber}; each may throw or reject. */
export interface LivenessDeps {
  /** Whether the container runs now and when its run began (ms); undefined once it is gone. */
  readonly run: (subject: LivenessSubject) => Promise<{ readonly running: boolean; readonly startedAt: number } | undefined>;
  /** Sends the probe once; resolves why it failed, or undefined when it passed. A rejection is a failure too. */
  readonly probe: (subject: LivenessSubject) => Promise<string | undefined>;
  /** Restarts the container (stop, then start: the same container). */
  readonly restart: (subject: LivenessSubject) => Promise<void>;
  /** Told of each restart, and of a restart that failed, in words. */
  readonly report: (subject: LivenessSubject, restarted: boolean, message: string) => void;
  readonly now?: () => number;
}

/**
 * One loop per container: started by {@link LivenessProber.start} (never two for one container),
 * ended by {@link LivenessProber.stop}, by {@link LivenessProber.close}, or by itself once its
 * container is gone. Nothing a loop does throws out of it: a probe that throws is a failure, an
 * engine that fails is asked again a period later.
 */
export class LivenessProber {
  readonly #loops = new Map<string, { readonly abort: AbortController; readonly done: Promise<void> }>();
  readonly #now: () => number;
  #closed = false;

  constructor(private readonly deps: LivenessDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Starts probing the container, unless it is probed already or the prober is closed. Never blocks. */
  start(subject: LivenessSubject): void {
    if (this.#closed || this.#loops.has(subject.id)) return;
    const abort = new AbortController();
    // The loop catches what it calls; this catch is for a mistake in it, which ends it quietly.
    const done = this.loop(subject, abort.signal).catch(() => undefined).finally(() => {
      if (this.#loops.get(subject.id)?.abort === abort) this.#loops.delete(subject.id);
    });
    this.#loops.set(subject.id, { abort, done });
  }

  /** The ids of the containers being probed. */
  probing(): string[] {
    return [...this.#loops.keys()];
  }

  /** Stops probing the container; a probe or restart under way ends unheeded. Does not block; idempotent. */
  stop(id: string): void {
    const loop = this.#loops.get(id);
    this.#loops.delete(id);
    loop?.abort.abort();
  }

  /** Stops every loop and resolves once each has ended (a probe under way ends within its timeout). Idempotent; never rejects. */
  async close(): Promise<void> {
    this.#closed = true;
    const loops = [...this.#loops.values()];
    this.#loops.clear();
    for (const loop of loops) loop.abort.abort();
    await Promise.all(loops.map((loop) => loop.done));
  }

  private async loop(subject: LivenessSubject, signal: AbortSignal): Promise<void> {
    const probe = subject.labels.livenessProbe;
    const period = probe.periodSeconds * 1000;
    let history: LivenessHistory | undefined;
    while (!signal.aborted) {
      const move: LivenessMove = history ? nextLivenessMove(probe, history, this.#now()) : { kind: 'probe' };
      if (move.kind === 'wait') {
        await pause(move.ms, signal);
        continue;
      }
      if (move.kind === 'restart') {
        history = await this.restart(subject, move.failures, history!, signal);
        continue;
      }
      let run;
      try {
        run = await this.deps.run(subject);
      } catch {
        // The engine fails: not the container's fault. Asked again a period later.
        history = history && { ...history, probedAt: this.#now() };
        if (!history) await pause(period, signal);
        continue;
      }
      if (!run || signal.aborted) return;
      const at = this.#now();
      history = seenRun(history ?? { startedAt: run.startedAt, failures: [] }, run, at);
      // A new run waits its initial delay; one that does not run waits a period.
      if (nextLivenessMove(probe, history, at).kind !== 'probe') continue;
      const failure = await Promise.resolve()
        .then(() => this.deps.probe(subject))
        .catch((error: unknown) => errorMessage(error));
      history = afterProbe(history, at, failure);
    }
  }

  /** Restarts the container and reports it; the history goes on from now (the next probe sees the new run). */
  private async restart(subject: LivenessSubject, failures: readonly string[], history: LivenessHistory, signal: AbortSignal): Promise<LivenessHistory> {
    const { labels } = subject;
    const probe = labels.livenessProbe;
    const who = `${labels.key.service} in ${labels.key.environment}: ${labels.sidecar ? `container ${labels.sidecar} of ` : ''}replica ${labels.replica}`;
    const what = `${'path' in probe ? `GET ${probe.path}` : `exec ${probe.exec.join(' ')}`}: ${failures.at(-1)}`;
    const failed = `${who} failed its liveness probe ${failures.length} ${failures.length === 1 ? 'time' : 'times'} (${what})`;
    let told: [restarted: boolean, message: string];
    try {
      await this.deps.restart(subject);
      told = [true, `${failed}; restarted`];
    } catch (error) {
      told = [false, `${failed}; restarting it failed: ${errorMessage(error)}`];
    }
    try {
      if (!signal.aborted) this.deps.report(subject, ...told);
    } catch {
      // A listener that throws loses its event; the loop goes on.
    }
    return { startedAt: history.startedAt, probedAt: this.#now(), failures: [] };
  }
}

/** Waits `ms`, or until `signal` aborts; holds no process open (a one-shot command that forgets to close still ends). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal, ref: false }).catch(() => undefined);
}
