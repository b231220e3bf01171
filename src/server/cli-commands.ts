/**
 * `slipway server` and `slipway token create|list|revoke`, for `cli/main.ts` to register. Token
 * commands reach the process that holds the workspace over its control socket (where the local
 * user is admin) when one runs, and the store directly otherwise.
 */
import { Option, type Command } from 'commander';
import { Workspace, stateDirOf } from '../engine/index.js';
import { NotFoundError } from '../errors.js';
import { openStore, type Store } from '../store/index.js';
import { ROLES, tokenChangeEvent, type Role, type TokenInfo, type TokenStore } from '../store/token-store.js';
import { ControlClient, type TokenAdmin } from './api-client.js';
import { controlSocketAnswers, controlSocketPath } from './control-socket.js';
import { checked, checkedList, stopSignal, wholeNumber } from '../cli/options.js';
import { Label, Name, TokenName } from '../inputs/name.js';

export interface ServerCommandDeps {
  /** The project file `--project` names. */
  projectFile(): string;
  out(text: string): void;
  /** Who acts: `SLIPWAY_ACTOR` or the operating-system user. */
  actor(): string;
  /** The API tokens kept in a store's database. */
  tokensOf(store: Store): TokenStore;
  /** Resolves when the server should stop. Default: SIGINT or SIGTERM. */
  stopSignal?(): Promise<void>;
  /** PostgreSQL URL; the embedded store when absent. Default: `SLIPWAY_DATABASE_URL`. */
  databaseUrl?: string;
}

/** Adds `server` and `token` to the program. */
export function registerServerCommands(program: Command, deps: ServerCommandDeps): void {
  const databaseUrl = deps.databaseUrl ?? process.env.SLIPWAY_DATABASE_URL;
  program
    .command('server')
    .description('serve the HTTP API and keep every environment converged until Ctrl-C (services keep running after)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free one)', '7070')
    .option('--allow-anonymous-reads', 'let callers without a token read (never write)')
    .option('--body-limit <bytes>', 'largest request body', String(1024 * 1024))
    .action(async (options: { host: string; port: string; allowAnonymousReads?: boolean; bodyLimit: string }) => {
      const ws = await Workspace.open({ projectFile: deps.projectFile(), databaseUrl, warm: true });
      try {
        const { startControlPlane } = await import('./control-plane.js');
        const plane = await startControlPlane(ws, {
          tokens: deps.tokensOf(ws.store),
          http: { host: options.host, port: wholeNumber(options.port, '--port'), allowAnonymousReads: options.allowAnonymousReads, bodyLimit: wholeNumber(options.bodyLimit, '--body-limit') },
        });
        deps.out(`Slipway serves ${ws.project.spec.project} at ${plane.url} (API under /api/v1, OpenAPI at /openapi.json). Ctrl-C stops serving; services keep running.`);
        if ((await deps.tokensOf(ws.store).listTokens()).length === 0) deps.out('No API tokens yet: create one with `slipway token create <name> --role admin`.');
        await (deps.stopSignal ?? stopSignal)();
        await plane.stop();
      } finally {
        await ws.close();
      }
    });

  const withTokens = async <T>(work: (admin: TokenAdmin) => Promise<T>): Promise<T> => {
    const stateDir = stateDirOf(deps.projectFile());
    const socket = controlSocketPath(stateDir);
    if (await controlSocketAnswers(stateDir)) return work(new ControlClient(socket));
    const store = await openStore({ dir: stateDir, databaseUrl });
    try {
      return await work(localTokenAdmin(deps.tokensOf(store), store));
    } finally {
      await store.close();
    }
  };
  const json = new Option('--json', 'print JSON for scripts');
  const token = program.command('token').description('API tokens for the HTTP API: each has a role, and deployers and approvers can be limited to environments');
  token
    .command('create')
    .description('create a token and print its secret (shown this once)')
    .argument('<name>', 'who or what holds it; recorded as the actor of what it does', checked(TokenName, 'token name'))
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .option('-e, --env <environment...>', 'the environments a deployer or approver may act in (default: all)', checkedList(Name, 'environment name'))
    .option('-g, --group <group...>', 'groups its approvals count for', checkedList(Label, 'group'))
    .addOption(json)
    .action((name: string, options: { role: Role; env?: string[]; group?: string[]; json?: boolean }) =>
      withTokens(async (admin) => {
        const { secret, info } = await admin.createToken({ name, role: options.role, environments: options.env, groups: options.group, actor: deps.actor() });
        deps.out(options.json ? JSON.stringify({ secret, ...info }, null, 2) : `${describe(info)}\n\n${secret}\n\nThis is the only time it is shown: send it as "Authorization: Bearer ${secret.slice(0, 8)}…".`);
      }),
    );
  token
    .command('list')
    .description('the tokens: names, roles, scopes; never secrets')
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withTokens(async (admin) => {
        const tokens = await admin.listTokens();
        deps.out(options.json ? JSON.stringify(tokens, null, 2) : tokens.length ? tokens.map(describe).join('\n') : 'No tokens: create one with slipway token create <name> --role <role>.');
      }),
    );
  token
    .command('revoke')
    .description('revoke a token: it lets no one in from now on')
    .argument('<name>', 'the token', checked(TokenName, 'token name'))
    .action((name: string) =>
      withTokens(async (admin) => {
        await admin.revokeToken({ name, actor: deps.actor() });
        deps.out(`token ${name} revoked`);
      }),
    );
}

/** The `TokenAdmin` calls over a token store in this process, each change recorded in the store's audit log. */
function localTokenAdmin(tokens: TokenStore, store: Store): TokenAdmin {
  return {
    async createToken({ actor, ...token }) {
      const created = await tokens.createToken({ ...token, createdBy: actor });
      await store.appendEvent(tokenChangeEvent({ action: 'created', name: token.name, role: token.role, actor }));
      return created;
    },
    listTokens: () => tokens.listTokens(),
    async revokeToken({ name, actor }) {
      if (!(await tokens.revokeToken(name))) throw new NotFoundError('token', name);
      await store.appendEvent(tokenChangeEvent({ action: 'revoked', name, actor }));
    },
  };
}

function describe(token: TokenInfo): string {
  const scope = token.environments.length ? ` in ${token.environments.join(', ')}` : '';
  const groups = token.groups.length ? `, groups ${token.groups.join(', ')}` : '';
  return `token ${token.name}: ${token.role}${scope}${groups} (created by ${token.createdBy} at ${new Date(token.createdAt).toISOString()})`;
}
