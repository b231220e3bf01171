/**
 * `slipway build` and `slipway builds`: queue a build of a service's source and follow its log to
 * the end (exit 1 when it fails), list builds, read or follow one's log, cancel one.
 */
import { Option, type Command } from 'commander';
import type { Build } from '../store/index.js';
import type { Operations } from '../engine/index.js';
import { terminalSafe } from '../terminal-text.js';
import { ExitCode } from './humanize.js';
import { table } from './table.js';

export interface BuildCommandDeps {
  readonly withOps: <T>(work: (ops: Operations) => Promise<T>) => Promise<T>;
  readonly out: (text: string) => void;
  readonly actor: () => string;
  readonly setExit: (code: number) => void;
  /** Checks a service name as the command line is read. */
  readonly service: (value: string) => string;
}

/** How often a followed log is asked for more. */
const FOLLOW_MS = 300;
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export function registerBuildCommands(program: Command, deps: BuildCommandDeps): void {
  const { withOps, out } = deps;
  const json = new Option('--json', 'print JSON for scripts');
  const describe = (b: Build) => `${b.id} ${b.service} ${b.ref} (${b.commit.slice(0, 7)}): ${b.status}, ${terminalSafe(b.message)}`;
  /** Prints the build's log from line `after` until it has ended; returns the build as it ended. */
  const follow = async (ops: Operations, id: string, after = 0): Promise<Build> => {
    for (let next = after; ; ) {
      const log = await ops.buildLog(id, next);
      log.lines.forEach((line) => out(terminalSafe(line)));
      next = log.next;
      if (ENDED.has(log.status) && log.lines.length === 0) return ops.buildDetail(id);
      if (log.lines.length === 0) await new Promise((done) => setTimeout(done, FOLLOW_MS));
    }
  };
  const endWith = (build: Build) => {
    out(describe(build));
    if (build.status !== 'succeeded') deps.setExit(ExitCode.failed);
  };

  program
    .command('build')
    .description("build a service's source at a ref (default: the newest tag its patterns match), following the log; a finished build is a release, promoted by the environments' rules")
    .argument('<service>', 'a service with a source', deps.service)
    .option('--ref <ref>', 'a tag, branch or commit')
    .option('--no-follow', 'queue it and return')
    .addOption(json)
    .action((service: string, options: { ref?: string; follow: boolean; json?: boolean }) =>
      withOps(async (ops) => {
        const build = await ops.build({ service, ref: options.ref, actor: deps.actor() });
        if (!options.follow || options.json) return out(options.json ? JSON.stringify(build, null, 2) : describe(build));
        out(`build ${build.id}: ${service} ${build.ref} at ${build.commit.slice(0, 7)}${build.status === 'queued' ? '' : ` (${build.status} already)`}`);
        endWith(await follow(ops, build.id));
      }),
    );

  const builds = program.command('builds').description('builds: the queue, those running, and how each ended');
  builds
    .command('list', { isDefault: true })
    .description('builds, newest first')
    .option('--service <service>', 'only builds of this service', deps.service)
    .addOption(json)
    .action((options: { service?: string; json?: boolean }) =>
      withOps(async (ops) => {
        const list = await ops.builds({ service: options.service, limit: 50 });
        out(options.json ? JSON.stringify(list, null, 2) : table(['ID', 'SERVICE', 'REF', 'COMMIT', 'STATUS', 'BY', 'MESSAGE'], list.map((b) => [b.id, b.service, terminalSafe(b.ref), b.commit.slice(0, 7), b.status, terminalSafe(b.actor), terminalSafe(b.message)])));
      }),
    );
  builds
    .command('log')
    .description("a build's log; with --follow, until it ends")
    .argument('<id>', 'a build id (b-…)')
    .option('-f, --follow', 'keep printing lines until the build ends')
    .action((id: string, options: { follow?: boolean }) =>
      withOps(async (ops) => {
        if (options.follow) return endWith(await follow(ops, id));
        (await ops.buildLog(id)).lines.forEach((line) => out(terminalSafe(line)));
      }),
    );
  builds
    .command('cancel')
    .description('cancel a queued or running build')
    .argument('<id>', 'a build id (b-…)')
    .action((id: string) => withOps(async (ops) => out(describe(await ops.cancelBuild({ id, actor: deps.actor() })))));
}
