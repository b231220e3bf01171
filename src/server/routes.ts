/**
 * The API, as one table: every operation the CLI can ask for, plus tokens, health and metrics.
 * The HTTP server and the control socket serve it, the client calls it, and the OpenAPI document
 * is generated from it, so none of them can drift from the others.
 */
import { z } from 'zod';
import { NotFoundError, SlipwayError } from '../errors.js';
import { EventType, Label, Name, Note, SecretName, TokenName, Version } from '../inputs/name.js';
import type { ActionChoice, ActionName, ServiceSummary } from '../engine/index.js';
import { serviceOfEntity } from '../engine/catalog.js';
import { ROLES } from '../store/token-store.js';
import { PROVIDERS, WEBHOOK_BODY_LIMIT, webhookSecretName, type WebhookProvider } from '../webhooks/index.js';
import { denial, ForbiddenError, type Principal } from './access.js';
import { followEvents } from './event-feed.js';
import type { Route } from './route-types.js';

/** Keeps a route's input and output types when it enters the table. */
function route<S extends z.ZodType, O>(definition: Route<S, O>): Route<S, O> {
  return definition;
}

const count = z.coerce.number().int().min(0);
const eventType = EventType.describe('Only events of this type: deployment.succeeded, access.denied, …');

/** A field a body may carry but the server ignores: the caller is who the token says. */
const ignored = { actor: z.string().optional().describe('Ignored: the actor recorded is the caller, named by its token.') };
const ignoredGroups = { groups: z.array(z.string()).optional().describe("Ignored: approvals count for the token's groups.") };

/** A build's id, as the store makes them. */
const BuildId = z.string().regex(/^b-[0-9a-f-]{36}$/, 'a build id, b-<uuid>');
/** A tag, branch or commit, in the characters refs are written with (no `..`, no leading `-`). */
const GitRef = z.string().min(1).max(250).regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/+@-]+$/, 'a git tag, branch or commit: letters, digits and . _ / + @ -, not starting with - nor holding ..');

const environmentOf = (input: { environment?: string }) => input.environment;

const orderOverride = Note.min(1)
  .optional()
  .describe('Admins only: why the release may enter the environment before it succeeded in every environment that one promotes from. Recorded with who.');

/** The override's reason, once the caller is known to be an admin; `forbidden` for anyone else. */
function overrideBy(principal: Principal | undefined, reason: string | undefined): string | undefined {
  if (reason !== undefined && principal?.role !== 'admin') {
    throw new ForbiddenError(`${principal?.name ?? 'an anonymous caller'} is not an admin; only an admin may override the promotion order`);
  }
  return reason;
}

/** A webhook delivery: fields from the host's headers only (see `webhooks/`), and the body, read once the headers' proof passed. */
const webhookInput = z.strictObject({
  event: Label.optional().describe('Header only. The event kind: push (GitHub); Push Hook, Tag Push Hook (GitLab). Other kinds are ignored.'),
  delivery: Label.optional().describe('Header only. The id of the delivery; one recorded before is not recorded again.'),
  proof: z.string().max(1000).optional().describe("Header only. The signature of the body (GitHub) or the webhook's secret token (GitLab)."),
  body: z
    .custom<() => Promise<Uint8Array>>((value) => typeof value === 'function')
    .describe(`The host's JSON payload, verified over its exact bytes; read only once the headers' proof passed, at most ${WEBHOOK_BODY_LIMIT / 1024} KiB.`),
});

/** The route a host delivers its webhooks to. It takes no API token: the shared secret proves the sender. */
function webhookRoute(provider: WebhookProvider) {
  const { title, headers } = PROVIDERS[provider];
  return route({
    method: 'POST',
    path: `/api/v1/webhooks/${provider}`,
    summary: `receive a ${title} webhook delivery: verified with the secret ${webhookSecretName(provider)}, a push is recorded (once per delivery id)`,
    input: webhookInput,
    headers,
    rawBody: { bodyLimit: WEBHOOK_BODY_LIMIT },
    access: { kind: 'public' },
    status: 202,
    answer: 'json',
    run: ({ ops, input: { body, ...head } }) => ops.receiveWebhook({ provider, ...head, readBody: body }),
  });
}

export const routes = {
  healthz: route({
    method: 'GET',
    path: '/healthz',
    summary: 'tell whether the server is up',
    input: z.object({}),
    access: { kind: 'public' },
    answer: 'json',
    run: async () => ({ ok: true }),
  }),
  readyz: route({
    method: 'GET',
    path: '/readyz',
    summary: 'tell whether the server can answer (its store answers)',
    input: z.object({}),
    access: { kind: 'public' },
    answer: 'json',
    async run({ ops }) {
      await ops.events({ limit: 1 }).catch((error: unknown) => {
        throw new SlipwayError('unavailable', 'the store does not answer', { cause: error });
      });
      return { ready: true };
    },
  }),
  metrics: route({
    method: 'GET',
    path: '/metrics',
    summary: 'read metrics in the Prometheus text format',
    input: z.object({}),
    access: { kind: 'public' },
    answer: 'text',
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    run: ({ ops, metrics }) => metrics.render(ops),
  }),

  status: route({
    method: 'GET',
    path: '/api/v1/status',
    summary: 'read the services × environments matrix',
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.status(),
  }),
  preview: route({
    method: 'GET',
    path: '/api/v1/preview',
    summary: 'preview what deploying the project file into an environment would do',
    input: z.strictObject({ environment: Name.optional() }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.preview(input.environment),
  }),
  explain: route({
    method: 'GET',
    path: '/api/v1/services/{service}/explain',
    summary: "explain who set each value of a service's configuration in an environment",
    input: z.strictObject({ service: Name, environment: Name }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.explain(input.service, input.environment),
  }),
  events: route({
    method: 'GET',
    path: '/api/v1/events',
    summary: 'read the audit log, oldest first',
    input: z.strictObject({ service: Name.optional(), environment: Name.optional(), type: eventType.optional(), afterSeq: count.optional(), limit: count.optional(), last: count.optional() }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.events(input),
  }),
  eventStream: route({
    method: 'GET',
    path: '/api/v1/events/stream',
    summary: 'follow new events as they are appended (resumes after Last-Event-ID)',
    input: z.strictObject({ service: Name.optional(), environment: Name.optional(), afterSeq: count.optional() }),
    headers: { 'last-event-id': 'afterSeq' },
    access: { kind: 'read' },
    answer: 'stream',
    run: ({ ops, input, signal, pollMs }) => followEvents(ops, { ...input, pollMs, signal }),
    eventId: (event) => String(event.seq),
  }),
  history: route({
    method: 'GET',
    path: '/api/v1/services/{service}/history',
    summary: "read a service's promotions and deployments, newest first",
    input: z.strictObject({ service: Name }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.history(input.service),
  }),
  listReleases: route({
    method: 'GET',
    path: '/api/v1/services/{service}/releases',
    summary: "list a service's releases, newest first, with the environments each is current in",
    input: z.strictObject({ service: Name }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.listReleases(input.service),
  }),
  whoami: route({
    method: 'GET',
    path: '/api/v1/whoami',
    summary: 'tell who the caller is: name, role, environments and groups (anonymous: no name)',
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: async ({ principal }) => principal ?? { anonymous: true },
  }),
  actions: route({
    method: 'GET',
    path: '/api/v1/services/{service}/actions',
    summary: 'list what the caller can do to a service in an environment now: what each action would do, or why it cannot',
    input: z.strictObject({ service: Name, environment: Name }),
    access: { kind: 'read' },
    answer: 'json',
    run: async ({ ops, input, principal }) => (await ops.actions(input.service, input.environment, principal)).map((choice) => forCaller(choice, principal, input)),
  }),
  builds: route({
    method: 'GET',
    path: '/api/v1/builds',
    summary: 'list builds, newest first: queued, running and ended',
    input: z.strictObject({ service: Name.optional(), limit: count.max(1000).optional() }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.builds({ service: input.service, limit: input.limit ?? 100 }),
  }),
  buildDetail: route({
    method: 'GET',
    path: '/api/v1/builds/{id}',
    summary: 'read one build: its ref, commit, status, image or artifact, and release',
    input: z.strictObject({ id: BuildId }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.buildDetail(input.id),
  }),
  buildLog: route({
    method: 'GET',
    path: '/api/v1/builds/{id}/log',
    summary: "read a build's log after line `after`: ask again after `next` while its status is queued or running",
    input: z.strictObject({ id: BuildId, after: count.optional() }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.buildLog(input.id, input.after ?? 0),
  }),
  deployment: route({
    method: 'GET',
    path: '/api/v1/deployments/{id}',
    summary: 'read one deployment with its steps',
    input: z.strictObject({ id: z.uuid() }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.deployment(input.id),
  }),
  drift: route({
    method: 'GET',
    path: '/api/v1/drift',
    summary: 'read what differs from the desired state',
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.drift(),
  }),
  services: route({
    method: 'GET',
    path: '/api/v1/services',
    summary: "list the project's services with their owners, whether they build from a source, and why the caller may not build them",
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: async ({ ops, principal }) => (await ops.services()).map((service) => serviceForCaller(service, principal)),
  }),
  entity: route({
    method: 'GET',
    path: '/api/v1/entities/{ref}',
    summary: "read a Backstage Component as a card shows it: its service, catalog fields, and each environment's release, status and the caller's actions",
    input: z.strictObject({
      ref: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9:/._-]{0,299}$/, 'an entity reference such as component:default/web')
        .describe('component:<namespace>/<name>, URL-encoded (component:<name>: the default namespace); compared ignoring case'),
    }),
    access: { kind: 'read' },
    answer: 'json',
    run: async ({ ops, input, principal }) => {
      const service = serviceOfEntity(await ops.services(), input.ref);
      const rows = (await ops.status()).filter((row) => row.service === service.name);
      const environments = await Promise.all(
        rows.map(async ({ service: name, environment, instances: _instances, ...row }) => {
          const choices = await ops.actions(name, environment, principal);
          return { environment, ...row, actions: choices.map((choice) => forCaller(choice, principal, { service: name, environment })) };
        }),
      );
      return { ...service, environments };
    },
  }),
  environments: route({
    method: 'GET',
    path: '/api/v1/environments',
    summary: "list the project's environments: their targets, where releases come from, how they roll out",
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.environments(),
  }),
  targets: route({
    method: 'GET',
    path: '/api/v1/targets',
    summary: "list the project's targets: runtime, environments, whether each can be observed now and how many units run there",
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.targets(),
  }),
  queuedDeployments: route({
    method: 'GET',
    path: '/api/v1/queue',
    summary: 'read where deployments wait for an earlier one of the same service and environment',
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.queuedDeployments(),
  }),
  logs: route({
    method: 'GET',
    path: '/api/v1/services/{service}/logs',
    summary: "read a service's output in an environment (follow=true keeps streaming)",
    input: z.strictObject({ service: Name, environment: Name, tail: count.optional(), follow: z.stringbool().optional() }),
    access: { kind: 'read' },
    answer: 'stream',
    run: ({ ops, input, signal }) => ops.logs({ ...input, signal }),
  }),
  resources: route({
    method: 'GET',
    path: '/api/v1/environments/{environment}/resources',
    summary: "plan an environment's resources: create, update, delete",
    input: z.strictObject({ environment: Name }),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops, input }) => ops.resources(input.environment),
  }),
  listSecrets: route({
    method: 'GET',
    path: '/api/v1/secrets',
    summary: 'list the names of the secrets (never their values)',
    input: z.object({}),
    access: { kind: 'read' },
    answer: 'json',
    run: ({ ops }) => ops.listSecrets(),
  }),

  deploy: route({
    method: 'POST',
    path: '/api/v1/deployments',
    summary: 'deploy a service into an environment',
    input: z.strictObject({ service: Name, environment: Name, version: Version.optional(), orderOverride, ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'progress',
    run: ({ ops, input, principal, progress }) =>
      ops.deploy({ service: input.service, environment: input.environment, version: input.version, actor: actorOf(principal), orderOverride: overrideBy(principal, input.orderOverride) }, progress),
  }),
  promote: route({
    method: 'POST',
    path: '/api/v1/promotions',
    summary: 'promote a release through the environments (or into one, or give a waiting promotion its go)',
    input: z.strictObject({ service: Name, version: Version.optional(), environment: Name.optional(), orderOverride, ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) =>
      ops.promote({ service: input.service, version: input.version, environment: input.environment, actor: actorOf(principal), orderOverride: overrideBy(principal, input.orderOverride) }),
  }),
  decide: route({
    method: 'POST',
    path: '/api/v1/decisions',
    summary: 'approve or reject the promotion waiting at an environment',
    input: z.strictObject({ service: Name, environment: Name, approved: z.boolean(), comment: Note.optional(), ...ignored, ...ignoredGroups }),
    access: { kind: 'act', roles: ['approver'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) =>
      ops.decide({ service: input.service, environment: input.environment, approved: input.approved, comment: input.comment, actor: actorOf(principal), groups: principal?.groups ?? [] }),
  }),
  overrideFreeze: route({
    method: 'POST',
    path: '/api/v1/freeze-overrides',
    summary: 'let a promotion into a frozen environment, recorded with who and why',
    input: z.strictObject({ service: Name, environment: Name, reason: Note.min(1), ...ignored }),
    access: { kind: 'act', roles: ['approver'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.overrideFreeze({ service: input.service, environment: input.environment, reason: input.reason, actor: actorOf(principal) }),
  }),
  control: route({
    method: 'POST',
    path: '/api/v1/services/{service}/promotion/{action}',
    summary: 'pause, resume or cancel the newest active promotion of a service',
    input: z.strictObject({
      service: Name,
      action: z.enum(['pause', 'resume', 'cancel']),
      environment: Name.optional().describe('Only a promotion still on its way into this environment; tokens limited to environments must name one of theirs.'),
      reason: Note.optional(),
      ...ignored,
    }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.control({ service: input.service, action: input.action, environment: input.environment, reason: input.reason, actor: actorOf(principal) }),
  }),
  build: route({
    method: 'POST',
    path: '/api/v1/services/{service}/builds',
    summary: "queue a build of a service's source at a ref (a tag, branch or commit; the newest matching tag when absent)",
    input: z.strictObject({ service: Name, ref: GitRef.optional(), ...ignored }),
    access: { kind: 'act', roles: ['deployer'] },
    status: 201,
    answer: 'json',
    run: ({ ops, input, principal }) => ops.build({ service: input.service, ref: input.ref, actor: actorOf(principal) }),
  }),
  cancelBuild: route({
    method: 'POST',
    path: '/api/v1/builds/{id}/cancel',
    summary: 'cancel a queued or running build',
    input: z.strictObject({ id: BuildId, ...ignored }),
    access: { kind: 'act', roles: ['deployer'] },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.cancelBuild({ id: input.id, actor: actorOf(principal) }),
  }),
  createRelease: route({
    method: 'POST',
    path: '/api/v1/services/{service}/releases',
    summary: 'cut (or reuse) an immutable release of a service from the project file, deploying nothing',
    input: z.strictObject({ service: Name, version: Version.optional(), ...ignored }),
    access: { kind: 'act', roles: ['deployer'] },
    status: 201,
    answer: 'json',
    run: ({ ops, input, principal }) => ops.createRelease({ service: input.service, version: input.version, actor: actorOf(principal) }),
  }),
  rollback: route({
    method: 'POST',
    path: '/api/v1/rollbacks',
    summary: 'put the release that ran before back into an environment',
    input: z.strictObject({ service: Name, environment: Name, ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.rollback({ service: input.service, environment: input.environment, actor: actorOf(principal) }),
  }),
  convergence: route({
    method: 'POST',
    path: '/api/v1/convergence',
    summary: 'pause or resume convergence of a service in an environment',
    input: z.strictObject({ service: Name, environment: Name, paused: z.boolean(), reason: Note.optional(), ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    async run({ ops, input, principal }) {
      await ops.convergence({ service: input.service, environment: input.environment, paused: input.paused, reason: input.reason, actor: actorOf(principal) });
      return { service: input.service, environment: input.environment, paused: input.paused };
    },
  }),
  down: route({
    method: 'POST',
    path: '/api/v1/down',
    summary: 'stop what runs in an environment (in every environment when none is named)',
    input: z.strictObject({ environment: Name.optional(), ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.down({ environment: input.environment, actor: actorOf(principal) }),
  }),
  applyResources: route({
    method: 'POST',
    path: '/api/v1/environments/{environment}/resources/apply',
    summary: "carry out an environment's resource plan, deletes included",
    input: z.strictObject({ environment: Name, ...ignored }),
    access: { kind: 'act', roles: ['deployer'], environment: environmentOf },
    answer: 'json',
    run: ({ ops, input, principal }) => ops.applyResources({ environment: input.environment, actor: actorOf(principal) }),
  }),
  setSecret: route({
    method: 'PUT',
    path: '/api/v1/secrets/{name}',
    summary: 'set a secret (the value is never shown again)',
    input: z.strictObject({ name: SecretName, value: z.string().min(1, 'a secret needs a value'), ...ignored }),
    access: { kind: 'act', roles: [] },
    answer: 'json',
    async run({ ops, input, principal }) {
      await ops.setSecret({ name: input.name, value: input.value, actor: actorOf(principal) });
      return { name: input.name };
    },
  }),
  removeSecret: route({
    method: 'DELETE',
    path: '/api/v1/secrets/{name}',
    summary: 'remove a secret',
    input: z.strictObject({ name: SecretName }),
    access: { kind: 'act', roles: [] },
    answer: 'json',
    run: async ({ ops, input, principal }) => ({ removed: await ops.removeSecret({ name: input.name, actor: actorOf(principal) }) }),
  }),

  listTokens: route({
    method: 'GET',
    path: '/api/v1/tokens',
    summary: 'list the API tokens (never their secrets)',
    input: z.object({}),
    access: { kind: 'act', roles: [] },
    answer: 'json',
    run: ({ tokens }) => tokenStore(tokens).listTokens(),
  }),
  createToken: route({
    method: 'POST',
    path: '/api/v1/tokens',
    summary: 'create an API token (its secret is in this answer only)',
    input: z.strictObject({
      name: TokenName,
      role: z.enum(ROLES),
      environments: z.array(Name).optional().describe('Environments a deployer or approver may act in; all when absent.'),
      groups: z.array(Label).optional().describe('Groups its approvals count for.'),
      ...ignored,
    }),
    access: { kind: 'act', roles: [] },
    status: 201,
    answer: 'json',
    async run({ ops, tokens, input, principal }) {
      const created = await tokenStore(tokens).createToken({ name: input.name, role: input.role, environments: input.environments, groups: input.groups, createdBy: actorOf(principal) });
      await ops.recordTokenChange({ action: 'created', name: input.name, role: input.role, actor: actorOf(principal) });
      return created;
    },
  }),
  revokeToken: route({
    method: 'DELETE',
    path: '/api/v1/tokens/{name}',
    summary: 'revoke an API token',
    input: z.strictObject({ name: TokenName }),
    access: { kind: 'act', roles: [] },
    answer: 'json',
    async run({ ops, tokens, input, principal }) {
      if (!(await tokenStore(tokens).revokeToken(input.name))) throw new NotFoundError('token', input.name);
      await ops.recordTokenChange({ action: 'revoked', name: input.name, actor: actorOf(principal) });
      return { revoked: input.name };
    },
  }),

  githubWebhook: webhookRoute('github'),
  gitlabWebhook: webhookRoute('gitlab'),
} as const;

export type RouteName = keyof typeof routes;

function actorOf(principal: { name: string } | undefined): string {
  if (!principal) throw new SlipwayError('unauthenticated', 'this needs a caller');
  return principal.name;
}

/** The route each action of `actions` is done through. */
const ACTION_ROUTES = { deploy: 'deploy', promote: 'promote', approve: 'decide', reject: 'decide', rollback: 'rollback' } as const satisfies Record<ActionName, RouteName>;

/** The choice as the caller sees it: blocked, with the reason, when their role or scope forbids it. */
function forCaller(choice: ActionChoice, principal: Principal | undefined, input: { service: string; environment: string }): ActionChoice {
  const target = routes[ACTION_ROUTES[choice.action]];
  const denied = denial(target.access, principal, input, target.summary);
  return denied ? { action: choice.action, blocked: denied, plan: choice.plan } : choice;
}

/** A service as a caller sees it: `buildBlocked` says why they may not build it, when it has a source and their role or scope forbids it. */
export interface ServiceForCaller extends ServiceSummary {
  readonly buildBlocked?: string;
}

function serviceForCaller(service: ServiceSummary, principal: Principal | undefined): ServiceForCaller {
  const denied = service.buildable ? denial(routes.build.access, principal, { service: service.name }, routes.build.summary) : undefined;
  return denied ? { ...service, buildBlocked: denied } : service;
}

function tokenStore<T>(tokens: T | undefined): T {
  if (!tokens) throw new SlipwayError('not-found', 'this process keeps no API tokens; they are kept by slipway server');
  return tokens;
}
