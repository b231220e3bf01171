/**
 * `Operations` served by another process, over its control socket or its HTTP API: every call is
 * a route of the one route table. Same answers as `LocalOperations`, in JSON form (dates as ISO
 * strings). Errors come back as the typed errors the server threw.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { z } from 'zod';
import type {
  ActionChoice,
  BuildLog,
  BuildRequest,
  ControlRequest,
  DecisionRequest,
  DeploymentDetail,
  DeployOutcome,
  DeployRequest,
  Drift,
  EnvironmentSummary,
  EventsFilter,
  Explanation,
  History,
  LogsRequest,
  Operations,
  PromoteRequest,
  Promotion,
  QueuedDeployments,
  ServiceSummary,
  StatusRow,
  TargetSummary,
} from '../engine/index.js';
import type { Release, UnitKey } from '../desired/types.js';
import type { WebhookReceipt } from '../engine/webhooks.js';
import type { Plan } from '../planner/index.js';
import type { LogLine } from '../runtimes/index.js';
import type { Build, SecretInfo, SlipwayEvent } from '../store/index.js';
import type { NewToken, TokenInfo } from '../store/token-store.js';
import { SlipwayError } from '../errors.js';
import { errorFromBody, type ErrorBody } from './error-body.js';
import { ACTOR_HEADER, GROUPS_HEADER } from './identity.js';
import { inputInQuery, type Route } from './route-types.js';
import { routes } from './routes.js';

/** A Unix socket (the control socket), or a base URL with the API token to send. */
export type Endpoint = { readonly socketPath: string } | { readonly url: string; readonly token?: string };

/** Token administration, as the API offers it (an admin's token, or the local user on the socket). */
export type TokenAdmin = Pick<ApiClient, 'createToken' | 'listTokens' | 'revokeToken'>;

/** Input as the client has it: the route's input, plus who acts (sent as headers, not in the body). */
type CallInput<S extends z.ZodType> = Omit<z.input<S>, 'actor' | 'groups'> & { readonly actor?: string; readonly groups?: readonly string[] };

export class ApiClient implements Operations {
  constructor(private readonly endpoint: Endpoint) {}

  status(): Promise<readonly StatusRow[]> {
    return this.json(routes.status, {});
  }

  preview(environment?: string): Promise<Plan> {
    return this.json(routes.preview, { environment });
  }

  async deploy(request: DeployRequest, onProgress: (message: string) => void = () => {}): Promise<DeployOutcome> {
    for await (const message of this.stream<{ progress?: string; outcome?: DeployOutcome }>(routes.deploy, request)) {
      if (message.outcome) return message.outcome;
      if (message.progress) onProgress(message.progress);
    }
    throw new SlipwayError('unavailable', 'the server closed the connection before the deployment finished');
  }

  promote(request: PromoteRequest): Promise<Promotion> {
    return this.json(routes.promote, request);
  }

  decide(request: DecisionRequest): Promise<Promotion> {
    return this.json(routes.decide, request);
  }

  overrideFreeze(request: { service: string; environment: string; actor: string; reason: string }): Promise<Promotion> {
    return this.json(routes.overrideFreeze, request);
  }

  control(request: ControlRequest): Promise<Promotion> {
    return this.json(routes.control, request);
  }

  rollback(request: { service: string; environment: string; actor: string }): Promise<DeployOutcome> {
    return this.json(routes.rollback, request);
  }

  history(service: string): Promise<History> {
    return this.json(routes.history, { service });
  }

  /** The server judges for the caller its token names; `actor` is not sent. */
  actions(service: string, environment: string): Promise<ActionChoice[]> {
    return this.json(routes.actions, { service, environment });
  }

  deployment(id: string): Promise<DeploymentDetail> {
    return this.json(routes.deployment, { id });
  }

  async setSecret(request: { name: string; value: string; actor: string }): Promise<void> {
    await this.json(routes.setSecret, request);
  }

  listSecrets(): Promise<SecretInfo[]> {
    return this.json(routes.listSecrets, {});
  }

  async removeSecret(request: { name: string; actor: string }): Promise<boolean> {
    return (await this.json(routes.removeSecret, request)).removed;
  }

  resources(environment: string): Promise<string[]> {
    return this.json(routes.resources, { environment });
  }

  applyResources(request: { environment: string; actor: string }): Promise<string[]> {
    return this.json(routes.applyResources, request);
  }

  build(request: BuildRequest): Promise<Build> {
    return this.json(routes.build, request);
  }

  builds(filter: { service?: string; limit?: number } = {}): Promise<Build[]> {
    return this.json(routes.builds, filter);
  }

  buildDetail(id: string): Promise<Build> {
    return this.json(routes.buildDetail, { id });
  }

  buildLog(id: string, after = 0): Promise<BuildLog> {
    return this.json(routes.buildLog, { id, after });
  }

  cancelBuild(request: { id: string; actor: string }): Promise<Build> {
    return this.json(routes.cancelBuild, request);
  }

  createRelease(request: { service: string; version?: string; actor: string }): Promise<Release> {
    return this.json(routes.createRelease, request);
  }

  listReleases(service: string): Promise<(Release & { environments: string[] })[]> {
    return this.json(routes.listReleases, { service });
  }

  drift(): Promise<Drift[]> {
    return this.json(routes.drift, {});
  }

  queuedDeployments(): Promise<QueuedDeployments[]> {
    return this.json(routes.queuedDeployments, {});
  }

  services(): Promise<ServiceSummary[]> {
    return this.json(routes.services, {});
  }

  environments(): Promise<EnvironmentSummary[]> {
    return this.json(routes.environments, {});
  }

  targets(): Promise<TargetSummary[]> {
    return this.json(routes.targets, {});
  }

  async convergence(request: { service: string; environment: string; paused: boolean; actor: string; reason?: string }): Promise<void> {
    await this.json(routes.convergence, request);
  }

  down(request: { environment?: string; actor: string }): Promise<UnitKey[]> {
    return this.json(routes.down, request);
  }

  async *logs(request: LogsRequest): AsyncGenerator<LogLine> {
    const { signal, follow, ...params } = request;
    yield* this.stream<LogLine>(routes.logs, { ...params, follow: follow === undefined ? undefined : String(follow) }, signal);
  }

  explain(service: string, environment: string): Promise<Explanation> {
    return this.json(routes.explain, { service, environment });
  }

  events(filter: EventsFilter = {}): Promise<SlipwayEvent[]> {
    return this.json(routes.events, filter);
  }

  /** Creates a token; the answer holds its secret, shown this once. */
  createToken(token: Omit<NewToken, 'createdBy'> & { actor: string }): Promise<{ secret: string; info: TokenInfo }> {
    return this.json(routes.createToken, { ...token, environments: token.environments && [...token.environments], groups: token.groups && [...token.groups] });
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.json(routes.listTokens, {});
  }

  /** `NotFoundError` when there is no token of that name. */
  async revokeToken(request: { name: string; actor: string }): Promise<void> {
    await this.json(routes.revokeToken, request);
  }

  /** Unsupported: GitHub and GitLab deliver webhooks to the server's routes themselves; a client has none to pass on. */
  async receiveWebhook(): Promise<WebhookReceipt> {
    throw new SlipwayError('bad-request', 'webhook deliveries go from GitHub or GitLab straight to slipway server (POST /api/v1/webhooks/github or /gitlab)');
  }

  async recordTokenChange(): Promise<void> {
    throw new SlipwayError('bad-request', 'token changes are recorded by the server that makes them');
  }

  async recordRefusal(): Promise<void> {
    throw new SlipwayError('bad-request', 'refused requests are recorded by the server that refuses them');
  }

  async close(): Promise<void> {}

  private async json<S extends z.ZodType, O>(route: Route<S, O>, input: CallInput<S>): Promise<O> {
    const res = await this.send(route, input, 'application/json');
    const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
    // Decoded once whole: a character of several bytes may be split between two chunks.
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as O;
  }

  /** Newline-delimited JSON messages; an `{ error }` message is thrown as the error it describes. */
  private async *stream<T>(route: Route, input: object, signal?: AbortSignal): AsyncGenerator<T> {
    const res = await this.send(route, input, 'application/x-ndjson', signal);
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
  private send(route: Route, input: object, accept: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const { actor, groups, ...fields } = input as Record<string, unknown> & { actor?: string; groups?: readonly string[] };
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = String(fields[name]);
      delete fields[name];
      return encodeURIComponent(value);
    });
    const inQuery = inputInQuery(route);
    const body = inQuery ? undefined : JSON.stringify(fields);
    const headers: OutgoingHttpHeaders = { accept };
    // Over a network a large answer (status) comes gzipped, 40 times smaller; on the socket it need not.
    if (accept === 'application/json' && 'url' in this.endpoint) headers['accept-encoding'] = 'gzip';
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (actor !== undefined) headers[ACTOR_HEADER] = encodeURIComponent(actor);
    if (groups !== undefined) headers[GROUPS_HEADER] = encodeURIComponent(groups.join(','));
    const target = route.method + ' ' + path + (inQuery ? query(fields) : '');
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        if ((res.statusCode ?? 500) < 400) return resolve(res);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => reject(errorOf(res.statusCode ?? 500, text)));
      };
      const [method, pathAndQuery] = [route.method, target.slice(route.method.length + 1)];
      const req =
        'socketPath' in this.endpoint
          ? httpRequest({ socketPath: this.endpoint.socketPath, method, path: pathAndQuery, headers, signal }, onResponse)
          : (this.endpoint.url.startsWith('https:') ? httpsRequest : httpRequest)(
              new URL(pathAndQuery.replace(/^\//, ''), this.endpoint.url.replace(/\/?$/, '/')),
              { method, headers: this.endpoint.token ? { ...headers, authorization: `Bearer ${this.endpoint.token}` } : headers, signal },
              onResponse,
            );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The client of the control socket that `slipway up` and `slipway server` serve. */
export class ControlClient extends ApiClient {
  constructor(socketPath: string) {
    super({ socketPath });
  }
}

function errorOf(status: number, text: string): SlipwayError {
  try {
    const body = JSON.parse(text) as unknown;
    if (isErrorBody(body)) return errorFromBody(body);
  } catch {
    // not JSON: a proxy or something else answered
  }
  return new SlipwayError('unavailable', `the server answered HTTP ${status} without a Slipway error`);
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
