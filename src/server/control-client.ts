/**
 * `Operations` served by another process over its control socket: what the CLI uses while
 * `slipway up` holds the workspace. Same answers as `LocalOperations`, in JSON form.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type { DecisionRequest, DeployOutcome, Drift, DeployRequest, EventsFilter, Explanation, History, LogsRequest, Operations, PromoteRequest, Promotion, PromotionAction, StatusRow } from '../engine/index.js';
import type { Release, UnitKey } from '../desired/types.js';
import type { Plan } from '../planner/index.js';
import type { LogLine } from '../runtimes/index.js';
import type { SecretInfo, SlipwayEvent } from '../store/index.js';
import { errorFromBody, type ErrorBody } from './error-body.js';

export class ControlClient implements Operations {
  constructor(private readonly socketPath: string) {}

  status(): Promise<StatusRow[]> {
    return this.json('GET', '/v0/status');
  }

  preview(environment?: string): Promise<Plan> {
    return this.json('GET', `/v0/preview${query({ environment })}`);
  }

  async deploy(request: DeployRequest, onProgress: (message: string) => void = () => {}): Promise<DeployOutcome> {
    for await (const message of this.stream<{ progress?: string; outcome?: DeployOutcome }>('POST', '/v0/deploy', request)) {
      if (message.outcome) return message.outcome;
      if (message.progress) onProgress(message.progress);
    }
    throw new Error('the control socket closed before the deployment finished');
  }

  promote(request: PromoteRequest): Promise<Promotion> {
    return this.json('POST', '/v0/promote', request);
  }

  decide(request: DecisionRequest): Promise<Promotion> {
    return this.json('POST', '/v0/decide', request);
  }

  overrideFreeze(request: { service: string; environment: string; actor: string; reason: string }): Promise<Promotion> {
    return this.json('POST', '/v0/override-freeze', request);
  }

  control(request: { service: string; action: PromotionAction; actor: string; reason?: string }): Promise<Promotion> {
    return this.json('POST', '/v0/control', request);
  }

  rollback(request: { service: string; environment: string; actor: string }): Promise<DeployOutcome> {
    return this.json('POST', '/v0/rollback', request);
  }

  history(service: string): Promise<History> {
    return this.json('GET', `/v0/history${query({ service })}`);
  }

  async setSecret(request: { name: string; value: string; actor: string }): Promise<void> {
    await this.json('POST', '/v0/secrets', request);
  }

  listSecrets(): Promise<SecretInfo[]> {
    return this.json('GET', '/v0/secrets');
  }

  async removeSecret(request: { name: string; actor: string }): Promise<boolean> {
    return (await this.json<{ removed: boolean }>('POST', '/v0/secrets/remove', request)).removed;
  }

  resources(environment: string): Promise<string[]> {
    return this.json('GET', `/v0/resources${query({ environment })}`);
  }

  applyResources(request: { environment: string; actor: string }): Promise<string[]> {
    return this.json('POST', '/v0/resources/apply', request);
  }

  createRelease(request: { service: string; version?: string; actor: string }): Promise<Release> {
    return this.json('POST', '/v0/releases', request);
  }

  listReleases(service: string): Promise<(Release & { environments: string[] })[]> {
    return this.json('GET', `/v0/releases${query({ service })}`);
  }

  drift(): Promise<Drift[]> {
    return this.json('GET', '/v0/drift');
  }

  async convergence(request: { service: string; environment: string; paused: boolean; actor: string; reason?: string }): Promise<void> {
    await this.json('POST', '/v0/convergence', request);
  }

  down(request: { environment?: string; actor: string }): Promise<UnitKey[]> {
    return this.json('POST', '/v0/down', request);
  }

  async *logs(request: LogsRequest): AsyncGenerator<LogLine> {
    const { signal, ...params } = request;
    yield* this.stream<LogLine>('GET', `/v0/logs${query(params)}`, undefined, signal);
  }

  explain(service: string, environment: string): Promise<Explanation> {
    return this.json('GET', `/v0/explain${query({ service, environment })}`);
  }

  events(filter: EventsFilter = {}): Promise<SlipwayEvent[]> {
    return this.json('GET', `/v0/events${query(filter)}`);
  }

  async close(): Promise<void> {}

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    let text = '';
    for await (const chunk of res) text += chunk;
    return JSON.parse(text) as T;
  }

  /** Newline-delimited JSON messages; an `{ error }` message is thrown as the error it describes. */
  private async *stream<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): AsyncGenerator<T> {
    const res = await this.send(method, path, body, signal);
    try {
      for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
        if (!line) continue;
        const message = JSON.parse(line) as T | ErrorBody;
        if (isErrorBody(message)) throw errorFromBody(message);
        yield message;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    } finally {
      res.destroy();
    }
  }

  /** Resolves with the response once its status is known; error statuses are thrown as errors. */
  private send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath: this.socketPath, method, path, headers: { 'content-type': 'application/json' }, signal }, (res) => {
        if ((res.statusCode ?? 500) < 400) return resolve(res);
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => reject(errorFromBody(JSON.parse(text) as ErrorBody)));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

function isErrorBody(message: unknown): message is ErrorBody {
  return typeof message === 'object' && message !== null && 'error' in message;
}

function query(params: object): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]): [string, string] => [k, String(v)]);
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}
