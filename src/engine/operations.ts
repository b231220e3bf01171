/**
 * Everything a person can ask of Slipway, as one interface. The CLI calls it; it is served by a
 * workspace opened in this process (`LocalOperations`) or by the process that has it open, over
 * its control socket (`server/control-client.ts`). Answers are plain JSON-safe data either way.
 */
import type { LogLine } from '../runtimes/index.js';
import type { Plan } from '../planner/index.js';
import type { SlipwayEvent } from '../store/index.js';
import type { UnitKey } from '../desired/types.js';
import { deploy, type DeployOutcome, type DeployRequest } from './deploy.js';
import { down } from './down.js';
import { explain, type Explanation } from './explain.js';
import { logs, type LogsRequest } from './logs.js';
import { preview } from './preview.js';
import { status, type StatusRow } from './status.js';
import type { Workspace } from './workspace.js';

export interface EventsFilter {
  readonly service?: string;
  readonly environment?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface Operations {
  /** The services × environments matrix. Reads only. */
  status(): Promise<StatusRow[]>;
  /** What deploying the project file into `environment` would do. Records nothing. */
  preview(environment?: string): Promise<Plan>;
  /** Deploys and waits for the outcome; one deployment per (service, environment) at a time. */
  deploy(request: DeployRequest, onProgress?: (message: string) => void): Promise<DeployOutcome>;
  /** Who set each value of a service's configuration in an environment, and what it was checked against. */
  explain(service: string, environment: string): Promise<Explanation>;
  /** Stops what runs in an environment (everywhere when absent); returns what was stopped. */
  down(request: { environment?: string; actor: string }): Promise<UnitKey[]>;
  /** Instance output; with `follow`, until the signal aborts. */
  logs(request: LogsRequest): AsyncIterable<LogLine>;
  /** The audit log, oldest first. */
  events(filter?: EventsFilter): Promise<SlipwayEvent[]>;
  /** Releases what this handle holds. Idempotent. */
  close(): Promise<void>;
}

/** Operations on a workspace open in this process. Each call sees the project file as it is now. */
export class LocalOperations implements Operations {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly workspace: Workspace,
    private readonly onClose: () => Promise<void> = () => workspace.close(),
  ) {}

  async status(): Promise<StatusRow[]> {
    return status(this.workspace);
  }

  async preview(environment?: string): Promise<Plan> {
    await this.workspace.reload();
    return preview(this.workspace, environment);
  }

  deploy(request: DeployRequest, onProgress?: (message: string) => void): Promise<DeployOutcome> {
    return this.serialised(`${request.service}/${request.environment}`, async () => {
      await this.workspace.reload();
      return deploy(this.workspace, request, onProgress);
    });
  }

  async explain(service: string, environment: string): Promise<Explanation> {
    await this.workspace.reload();
    return explain(this.workspace, service, environment);
  }

  down(request: { environment?: string; actor: string }): Promise<UnitKey[]> {
    return this.serialised('down', () => down(this.workspace, request));
  }

  logs(request: LogsRequest): AsyncIterable<LogLine> {
    return logs(this.workspace, request);
  }

  async events(filter: EventsFilter = {}): Promise<SlipwayEvent[]> {
    return this.workspace.store.listEvents(filter);
  }

  close(): Promise<void> {
    return this.onClose();
  }

  /** Runs `work` after every earlier call with the same key has settled. */
  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#queues.set(key, next);
    void next.finally(() => this.#queues.get(key) === next && this.#queues.delete(key)).catch(() => undefined);
    return next;
  }
}
