/**
 * The `slipway` command line: a thin layer over `Operations`. Human tables by default, `--json`
 * on every read command, exit codes from `humanize.ts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { EventType, Label, Name, Note, SecretName, Version, loadProject, projectJsonSchema, STARTER_PROJECT, STARTER_SERVER } from '../inputs/index.js';
import { table } from './table.js';
import { formatPlan } from '../planner/index.js';
import { checkProject } from '../desired/index.js';
import type { Operations, Promotion, ServiceSummary } from '../engine/index.js';
import { SlipwayError } from '../errors.js';
import { terminalSafe } from '../terminal-text.js';
import { count } from '../verification/format.js';
import { actor, connectFromEnvironment, projectFileOf } from './connect.js';
import { formatEvents, formatExplanation, formatHistory, formatOutcome, formatPromotion, formatStatus } from './format.js';
import { ExitCode, humanize } from './humanize.js';
import { startProgress } from './progress.js';
import { checkedOnboarding } from './onboard.js';
import { up } from './up.js';
import { trace } from '../trace.js';
import { UsageError, checked, checkedList, wholeNumber } from './options.js';
import { registerServerCommands } from '../server/cli-commands.js';
import { registerBuildCommands } from './build-commands.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

/** What the process running the CLI may do once the command line is read. */
export interface MainHooks {
  /** Called with the command's words (`deploy`, `secret set`) before it runs, not for help or a usage error. */
  readonly beforeCommand?: (command: string) => void;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code. Never throws. Every
 * line it writes to `io`, results, JSON, help and errors alike, passes through `terminalSafe` here.
 */
export async function main(argv: readonly string[], raw: Io = stdio, hooks: MainHooks = {}): Promise<number> {
  const io: Io = { out: (text) => raw.out(terminalSafe(text)), err: (text) => raw.err(terminalSafe(text)) };
  let exitCode: number = ExitCode.ok;
  // `slipway --version` alone; after a command, `--version` is that command's (deploy, release create).
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) return (io.out(version()), ExitCode.ok);
  const program = buildProgram(io, (code) => (exitCode = code));
  program.hook('preAction', (_program, action) => hooks.beforeCommand?.(commandWords(action)));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    const { text, exitCode: code } = humanize(error);
    io.err(text);
    return code;
  }
}

/** `action`'s name after those of the commands it is under, the program's excepted: `secret set`. */
function commandWords(action: Command): string {
  const words: string[] = [];
  for (let command: Command | null = action; command?.parent; command = command.parent) words.unshift(command.name());
  return words.join(' ');
}

/** The version in package.json, two folders up from both `src/cli/` and `dist/cli/`; read only when asked. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Parsers that check names and texts as the command line is read, before anything is called. */
const service = checked(Name, 'service name');
const environment = checked(Name, 'environment name');
const releaseVersion = checked(Version, 'release version');
const secretName = checked(SecretName, 'secret name');
const note = checked(Note, 'reason or comment');
const eventType = checked(EventType, 'event type');

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('slipway')
    .description('Deploy services through environments, and keep them running.')
    .option('-p, --project <path>', 'project file, or a directory holding slipway.yaml (default: ./slipway.yaml)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  const projectFile = () => projectFileOf(program.opts<{ project?: string }>().project);
  const json = new Option('--json', 'print JSON for scripts');
  const overrideOrder = new Option('--override-order <reason>', 'admins: let the release in before it succeeded where the environment promotes from, recorded with this reason').argParser(note);

  /**
   * Runs `work` with operations on the project, always releasing them. With `warm`, a workspace
   * opened here logs in to the targets' hosts while its store opens: for commands that read or
   * change what runs there.
   */
  const withOps = async <T>(work: (ops: Operations) => Promise<T>, { warm = false } = {}): Promise<T> => {
    const ops = await connectFromEnvironment(projectFile, process.env, { warm });
    trace('connected');
    try {
      return await work(ops);
    } finally {
      trace('work done');
      await ops.close();
      trace('closed');
    }
  };
  /** {@link withOps} for a command that reads or changes what runs on the targets. */
  const withTargets = <T>(work: (ops: Operations) => Promise<T>): Promise<T> => withOps(work, { warm: true });
  const print = (value: unknown, asJson: boolean | undefined, human: () => string) => io.out(asJson ? JSON.stringify(value, null, 2) : human());

  program
    .command('init')
    .description('write a starter slipway.yaml and a small web service into a directory')
    .argument('[dir]', 'where to write', '.')
    .action((dir: string) => {
      const root = resolve(dir);
      const file = join(root, 'slipway.yaml');
      if (existsSync(file)) throw new UsageError(`${file} exists already; nothing was written`);
      mkdirSync(join(root, 'web'), { recursive: true });
      writeFileSync(file, STARTER_PROJECT);
      writeFileSync(join(root, 'web', 'server.mjs'), STARTER_SERVER, { flag: 'wx' });
      io.out(`wrote ${file} and ${join(root, 'web', 'server.mjs')}\nnext: slipway validate, then slipway up`);
    });

  program
    .command('validate')
    .description('check the project file and report every problem with its position')
    .addOption(json)
    .action(async (options: { json?: boolean }) => {
      const project = await loadProject(projectFile());
      checkProject(project);
      const { services, environments, targets } = project.spec;
      const counts = { services: Object.keys(services).length, environments: Object.keys(environments).length, targets: Object.keys(targets).length, layers: project.layers.length };
      print({ file: project.file, valid: true, ...counts }, options.json, () =>
        `${project.file} is valid: ${count(counts.services, 'service')}, ${count(counts.environments, 'environment')}, ${count(counts.targets, 'target')}, ${count(counts.layers, 'layer')}, every constraint met`,
      );
    });

  program
    .command('explain')
    .description("show a service's resolved configuration in an environment: who set each value, and the constraints and gates")
    .argument('<service>', 'a service of the project', service)
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .addOption(json)
    .action((service: string, options: { env: string; json?: boolean }) =>
      withOps(async (ops) => {
        const explanation = await ops.explain(service, options.env);
        print(explanation, options.json, () => formatExplanation(explanation));
      }),
    );

  program
    .command('schema')
    .description('print the JSON Schema of slipway.yaml, for editors')
    .action(() => io.out(JSON.stringify(projectJsonSchema(), null, 2)));

  program
    .command('version')
    .description("print Slipway's version (also `slipway --version`)")
    .action(() => io.out(version()));

  program
    .command('preview')
    .description('show what deploying the project file into an environment would change')
    .option('-e, --env <environment>', 'environment (default: the first one)', environment)
    .addOption(json)
    .action((options: { env?: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const plan = await ops.preview(options.env);
        print(plan, options.json, () => formatPlan(plan));
      }),
    );

  program
    .command('deploy')
    .description('cut a release of a service from the project file and deploy it into an environment')
    .argument('<service>', 'a service of the project', service)
    .requiredOption('-e, --env <environment>', 'environment to deploy into', environment)
    .option('--version <version>', 'release version (default: reuse identical content, or the next v<N>)', releaseVersion)
    .addOption(overrideOrder)
    .addOption(json)
    .action((service: string, options: { env: string; version?: string; overrideOrder?: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const progress = startProgress(`deploying ${service} to ${options.env}`);
        const request = { service, environment: options.env, version: options.version, actor: actor(), orderOverride: options.overrideOrder };
        const outcome = await ops
          .deploy(request, (m) => progress.update(m))
          .finally(() => progress.stop());
        print(outcome, options.json, () => formatOutcome(outcome));
        if (outcome.result === 'failed') setExit(ExitCode.failed);
      }),
    );

  program
    .command('status')
    .description('which release runs where, and how healthy it is')
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withTargets(async (ops) => {
        const rows = await ops.status();
        print(rows, options.json, () => formatStatus(rows));
      }),
    );

  program
    .command('logs')
    .description("print a service's output in an environment")
    .argument('<service>', 'a service of the project', service)
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'lines per instance to start with', '100')
    .addOption(json)
    .action((service: string, options: { env: string; follow?: boolean; tail: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          const lines = ops.logs({ service, environment: options.env, follow: options.follow, tail: wholeNumber(options.tail, '--tail'), signal: abort.signal });
          for await (const line of lines) io.out(options.json ? JSON.stringify(line) : `${line.instance} | ${line.line}`);
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    );

  program
    .command('events')
    .description('the audit log: every change and who caused it')
    .option('--service <service>', 'only events of this service', service)
    .option('-e, --env <environment>', 'only events of this environment', environment)
    .option('-t, --type <type>', 'only events of this type, such as access.denied (refused requests)', eventType)
    .option('-n, --limit <count>', 'at most this many', '50')
    .addOption(json)
    .action((options: { service?: string; env?: string; type?: string; limit: string; json?: boolean }) =>
      withOps(async (ops) => {
        const events = await ops.events({ service: options.service, environment: options.env, type: options.type, last: wholeNumber(options.limit, '--limit') });
        print(events, options.json, () => formatEvents(events));
      }),
    );

  program
    .command('down')
    .description('stop the services of an environment (of all environments when none is named)')
    .option('-e, --env <environment>', 'only this environment', environment)
    .addOption(json)
    .action((options: { env?: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const stopped = await ops.down({ environment: options.env, actor: actor() });
        print(stopped, options.json, () => (stopped.length ? stopped.map((k) => `stopped ${k.service} in ${k.environment} on ${k.target}`).join('\n') : 'nothing was running'));
      }),
    );

  const promotionLine = (p: Promotion) => formatPromotion(p);

  program
    .command('promote')
    .description('carry a release through the environments (or into one); or give the go a waiting promotion needs')
    .argument('<service>', 'a service of the project', service)
    .option('-e, --env <environment>', 'only this environment, or the go for a promotion waiting there', environment)
    .option('--version <version>', 'release version (default: reuse identical content, or the next v<N>)', releaseVersion)
    .addOption(overrideOrder)
    .addOption(json)
    .action((service: string, options: { env?: string; version?: string; overrideOrder?: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const promotion = await ops.promote({ service, environment: options.env, version: options.version, actor: actor(), orderOverride: options.overrideOrder });
        print(promotion, options.json, () => promotionLine(promotion));
        if (promotion.status === 'failed') setExit(ExitCode.failed);
      }),
    );

  for (const [name, approved] of [['approve', true], ['reject', false]] as const) {
    program
      .command(name)
      .description(`${name} the promotion of a service waiting at an environment`)
      .argument('<service>', 'a service of the project', service)
      .requiredOption('-e, --env <environment>', 'environment', environment)
      .option('-g, --group <group...>', 'groups you approve for (SLIPWAY_GROUPS by default)', checkedList(Label, 'group'))
      .option('-m, --comment <text>', 'why', note)
      .addOption(json)
      .action((service: string, options: { env: string; group?: string[]; comment?: string; json?: boolean }) =>
        withTargets(async (ops) => {
          const fromEnvironment = () => (process.env.SLIPWAY_GROUPS ?? '').split(',').filter(Boolean).map(checked(Label, 'group (in SLIPWAY_GROUPS)'));
          const groups = options.group ?? fromEnvironment();
          const promotion = await ops.decide({ service, environment: options.env, actor: actor(), groups, approved, comment: options.comment });
          print(promotion, options.json, () => promotionLine(promotion));
        }),
      );
  }

  program
    .command('override-freeze')
    .description('let a promotion into an environment during a freeze window (recorded with your name and reason)')
    .argument('<service>', 'a service of the project', service)
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .requiredOption('-r, --reason <text>', 'why this cannot wait', note)
    .addOption(json)
    .action((service: string, options: { env: string; reason: string; json?: boolean }) =>
      withOps(async (ops) => {
        const promotion = await ops.overrideFreeze({ service, environment: options.env, actor: actor(), reason: options.reason });
        print(promotion, options.json, () => promotionLine(promotion));
      }),
    );

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    program
      .command(action)
      .description(`${action} the newest active promotion of a service`)
      .argument('<service>', 'a service of the project', service)
      .option('-e, --env <environment>', 'the newest one still on its way into this environment (a token limited to environments must name one)', environment)
      .option('-r, --reason <text>', 'why', note)
      .addOption(json)
      .action((service: string, options: { env?: string; reason?: string; json?: boolean }) =>
        withOps(async (ops) => {
          const promotion = await ops.control({ service, environment: options.env, action, actor: actor(), reason: options.reason });
          print(promotion, options.json, () => promotionLine(promotion));
        }),
      );
  }

  program
    .command('rollback')
    .description('put the release that ran before back into an environment')
    .argument('<service>', 'a service of the project', service)
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .addOption(json)
    .action((service: string, options: { env: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const outcome = await ops.rollback({ service, environment: options.env, actor: actor() });
        print(outcome, options.json, () => formatOutcome(outcome));
        if (outcome.result === 'failed') setExit(ExitCode.failed);
      }),
    );

  program
    .command('history')
    .description("a service's promotions and deployments, newest first, with where each stands and why")
    .argument('<service>', 'a service of the project', service)
    .addOption(json)
    .action((service: string, options: { json?: boolean }) =>
      withOps(async (ops) => {
        const result = await ops.history(service);
        print(result, options.json, () => formatHistory(result));
      }),
    );

  const secret = program.command('secret').description('secrets, encrypted at rest; services refer to them as secret:<name>');
  secret
    .command('set')
    .description('set a secret from standard input (never from the command line, where shells keep history)')
    .argument('<name>', "the secret's name", secretName)
    .action((name: string) =>
      withOps(async (ops) => {
        const value = (await readStdin()).replace(/\r?\n$/, '');
        if (!value) throw new UsageError(`no value on standard input for secret ${name}; try: printf %s "$VALUE" | slipway secret set ${name}`);
        await ops.setSecret({ name, value, actor: actor() });
        io.out(`secret ${name} is set; refer to it as secret:${name}`);
      }),
    );
  secret
    .command('list')
    .description('names of the secrets, never their values')
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withOps(async (ops) => {
        const secrets = await ops.listSecrets();
        print(secrets, options.json, () => table(['NAME', 'UPDATED'], secrets.map((s) => [s.name, new Date(s.updatedAt).toISOString()])));
      }),
    );
  secret
    .command('rm')
    .description('remove a secret')
    .argument('<name>', "the secret's name", secretName)
    .action((name: string) =>
      withOps(async (ops) => {
        if (!(await ops.removeSecret({ name, actor: actor() }))) throw new SlipwayError('not-found', `secret "${name}" not found`);
        io.out(`secret ${name} removed`);
      }),
    );

  const resources = program.command('resources').description('resources the services ask for (databases, routes…), per environment');
  resources
    .command('plan')
    .description('what the environment needs: create, update, delete')
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .addOption(json)
    .action((options: { env: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const lines = await ops.resources(options.env);
        print(lines, options.json, () => (lines.length ? lines.join('\n') : 'No changes: every resource is as the services ask.'));
      }),
    );
  resources
    .command('apply')
    .description('carry out that plan, deletes included (deployments never delete a resource)')
    .requiredOption('-e, --env <environment>', 'environment', environment)
    .addOption(json)
    .action((options: { env: string; json?: boolean }) =>
      withTargets(async (ops) => {
        const lines = await ops.applyResources({ environment: options.env, actor: actor() });
        print(lines, options.json, () => (lines.length ? lines.join('\n') : 'nothing to do'));
      }),
    );

  program
    .command('onboard')
    .description('add a Backstage Component (catalog-info.yaml) to slipway.yaml')
    .argument('<catalog-file>')
    .option('--component <name>', 'which Component, when the file has several')
    .option('--dry-run', 'print the addition; write nothing')
    .addOption(json)
    .action(async (catalogFile: string, options: { component?: string; dryRun?: boolean; json?: boolean }) => {
      const file = projectFile();
      const result = await checkedOnboarding(catalogFile, file, { component: options.component, dryRun: options.dryRun });
      if (!options.dryRun) writeFileSync(file, result.updatedText);
      print({ name: result.name, file, written: !options.dryRun, snippet: result.yamlSnippet, notes: result.notes }, options.json, () =>
        [...result.notes.map((n) => `note: ${n}`), `${options.dryRun ? 'would add' : 'added'} ${result.name} to ${file}:`, result.yamlSnippet].join('\n'),
      );
    });

  const release = program.command('release').description('immutable releases: a service, a version, an artifact digest, a configuration');
  release
    .command('create')
    .description('cut a release from the project file as it is now, deploying nothing')
    .argument('<service>', 'a service of the project', service)
    .option('--version <version>', 'version (default: reuse identical content, or the next v<N>)', releaseVersion)
    .addOption(json)
    .action((service: string, options: { version?: string; json?: boolean }) =>
      withOps(async (ops) => {
        const created = await ops.createRelease({ service, version: options.version, actor: actor() });
        print(created, options.json, () => `${service} ${created.version} (${created.artifactDigest ?? 'runs in place'})`);
      }),
    );
  release
    .command('list')
    .description("a service's releases, newest first, and where each is the current one")
    .argument('<service>', 'a service of the project', service)
    .addOption(json)
    .action((service: string, options: { json?: boolean }) =>
      withOps(async (ops) => {
        const releases = await ops.listReleases(service);
        print(releases, options.json, () =>
          table(['VERSION', 'CREATED', 'BY', 'ARTIFACT', 'CURRENT IN'], releases.map((r) => [r.version, new Date(r.createdAt).toISOString().slice(0, 19), r.createdBy, (r.artifactDigest ?? '-').slice(0, 19), r.environments.join(', ')])),
        );
      }),
    );

  program
    .command('drift')
    .description('what differs from the desired state, since when, and why it is left as it is if it is')
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withTargets(async (ops) => {
        const drift = await ops.drift();
        print(drift, options.json, () =>
          drift.length
            ? table(['SERVICE', 'ENVIRONMENT', 'TARGET', 'SINCE', 'DIFFERENCE', 'HELD BACK'], drift.map((d) => [d.service, d.environment, d.target, new Date(d.since).toISOString().slice(11, 19), d.difference, d.heldBack ?? '']))
            : 'No drift: everything runs as desired.',
        );
      }),
    );

  program
    .command('services')
    .description("the project's services: owner, and the Backstage Component each was onboarded from (system, lifecycle, APIs)")
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withOps(async (ops) => {
        const services = await ops.services();
        const apis = (c: ServiceSummary['catalog']) => [...(c?.providesApis ?? []).map((a) => `provides ${a}`), ...(c?.consumesApis ?? []).map((a) => `consumes ${a}`)].join(', ');
        print(services, options.json, () =>
          table(
            ['SERVICE', 'OWNER', 'ENTITY', 'SYSTEM', 'LIFECYCLE', 'APIS'],
            services.map((s) => [s.name, s.owner ?? '—', s.catalog?.entityRef ?? '—', s.catalog?.system ?? '—', s.catalog?.lifecycle ?? '—', apis(s.catalog) || '—']),
          ),
        );
      }),
    );

  program
    .command('targets')
    .description('where things run: each target with its runtime, the environments that use it, and whether it can be reached now')
    .addOption(json)
    .action((options: { json?: boolean }) =>
      withOps(async (ops) => {
        const targets = await ops.targets();
        print(targets, options.json, () =>
          table(
            ['TARGET', 'RUNTIME', 'ENVIRONMENTS', 'UNITS', 'REACHABLE'],
            targets.map((t) => [t.name, t.runtime, t.environments.join(', ') || '—', t.units === undefined ? '—' : String(t.units), t.reachable ? 'yes' : `no: ${t.error ?? 'unknown'}`]),
          ),
        );
      }),
    );

  const converge = program.command('converge').description('the reconcile loop that keeps environments as desired');
  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    converge
      .command(name)
      .description(paused ? 'leave a service in an environment alone (for an investigation)' : 'look after it again')
      .argument('<service>', 'a service of the project', service)
      .requiredOption('-e, --env <environment>', 'environment', environment)
      .option('-r, --reason <text>', 'why', note)
      .action((service: string, options: { env: string; reason?: string }) =>
        withOps(async (ops) => {
          await ops.convergence({ service, environment: options.env, paused, actor: actor(), reason: options.reason });
          io.out(`convergence of ${service} in ${options.env} is ${paused ? 'paused' : 'resumed'}`);
        }),
      );
  }

  registerServerCommands(program, { projectFile, out: io.out, actor, tokensOf: (store) => store.tokens });
  registerBuildCommands(program, { withOps, out: io.out, actor, setExit, service });

  program
    .command('up')
    .description('deploy every service into the first environment, serve the web UI and API, and keep it running until Ctrl-C')
    .option('--host <address>', 'address the web UI and API listen on', '127.0.0.1')
    .option('--port <port>', 'port of the web UI and API (0: any free one)', '7070')
    .option('--no-http', 'serve neither the web UI nor the HTTP API (the CLI still reaches it)')
    .action(async (options: { host: string; port: string; http: boolean }) =>
      setExit(await up(projectFile(), io.out, options.http ? { http: { host: options.host, port: wholeNumber(options.port, '--port') } } : {})),
    );

  return program;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('pipe the value in: printf %s "$VALUE" | slipway secret set <name>');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Decoded whole: a character split between two chunks stays one character.
  return Buffer.concat(chunks).toString('utf8');
}
