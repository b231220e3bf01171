/**
 * One build, start to end, as effects: a clean checkout of the exact commit, then either an image
 * built by Podman from the Containerfile (or Dockerfile) and pushed to a registry, named by its
 * digest, or the recipe's commands run and their output snapshotted into the artifact store.
 * Podman keeps the layer cache between builds; the work directory is the caller's to remove.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { BuildRecipe } from '../inputs/schema.js';
import type { RegistryCredentials } from '../runtimes/types.js';
import { SlipwayError } from '../errors.js';
import { snapshotDirectory } from './artifact-store.js';
import { runStep } from './command.js';
import { checkout } from './git.js';

/** A registry login, with the password in clear: held in memory only, written only to a private auth file. */
export type Login = RegistryCredentials;

export interface BuildPlan {
  /** A git URL, or an absolute path. */
  readonly repository: string;
  readonly commit: string;
  readonly recipe: BuildRecipe;
  /** Where an image build's image goes: `host[:port]/path` and a tag (the ref, made a valid tag). */
  readonly push?: { readonly repository: string; readonly tag: string; readonly login?: Login };
  /** An empty, private directory the build may fill. */
  readonly workDir: string;
  /** The content-addressed store artifact builds snapshot into. */
  readonly artifactsDir: string;
}

export interface BuildIo {
  readonly signal: AbortSignal;
  /** Each line of the build's log, as it comes. */
  readonly log: (line: string) => void;
  /** Waits before a push is tried again; injected so a test need not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a build made: an image by digest, or an artifact's digest. */
export type Built = { readonly image: string } | { readonly artifactDigest: string };

/** Times a push is tried, and the wait before the first retry (doubled each time). */
const PUSH_ATTEMPTS = 6;
const PUSH_RETRY_MS = 1_000;

/** Runs the build `plan` describes; throws `build-failed` (or the signal's reason) with the log telling why. */
export async function runBuild(plan: BuildPlan, io: BuildIo): Promise<Built> {
  const source = join(plan.workDir, 'source');
  const home = join(plan.workDir, 'home');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  io.log(`checking out ${plan.commit}`);
  await checkout(plan.repository, plan.commit, source, { signal: io.signal, onLine: io.log });
  const context = inside(source, plan.recipe.context, 'context');
  if (plan.recipe.commands) return { artifactDigest: await runCommands(plan, context, env, io) };
  if (!plan.push) throw new SlipwayError('build-failed', 'an image build needs a registry to push to: set `builds.registry` in the project file');
  return { image: await buildImage(plan, plan.push, context, env, io) };
}

async function runCommands(plan: BuildPlan, context: string, env: NodeJS.ProcessEnv, io: BuildIo): Promise<string> {
  for (const [i, command] of plan.recipe.commands!.entries()) {
    io.log(`$ ${command}`);
    await runStep(`command ${i + 1} (${command})`, 'sh', ['-c', command], { cwd: context, env, signal: io.signal, onLine: io.log });
  }
  const output = inside(context, plan.recipe.output!, 'output');
  if (!existsSync(output)) throw new SlipwayError('build-failed', `the commands did not make ${plan.recipe.output} (in ${plan.recipe.context})`);
  const { digest } = await snapshotDirectory(output, plan.artifactsDir);
  io.log(`artifact ${digest}`);
  return digest;
}

async function buildImage(plan: BuildPlan, push: NonNullable<BuildPlan['push']>, context: string, env: NodeJS.ProcessEnv, io: BuildIo): Promise<string> {
  const file = containerfileOf(context, plan.recipe);
  const tagged = `${push.repository}:${push.tag}`;
  const labels = [`org.opencontainers.image.revision=${plan.commit}`];
  const build = ['build', '--layers', '-f', file, '-t', tagged, ...labels.flatMap((l) => ['--label', l]), context];
  io.log(`$ podman ${build.join(' ')}`);
  await runStep('podman build', 'podman', build, { env, signal: io.signal, onLine: io.log });
  const authFile = join(plan.workDir, 'auth.json');
  const digestFile = join(plan.workDir, 'digest');
  await writeFile(authFile, authJson(push.repository, push.login), { mode: 0o600 });
  const args = ['push', '--authfile', authFile, '--digestfile', digestFile, tagged];
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  for (let attempt = 1; ; attempt++) {
    io.log(`$ podman ${args.join(' ')}${attempt > 1 ? ` (attempt ${attempt} of ${PUSH_ATTEMPTS})` : ''}`);
    try {
      await runStep('podman push', 'podman', args, { env, signal: io.signal, onLine: io.log });
      break;
    } catch (error) {
      if (io.signal.aborted || attempt === PUSH_ATTEMPTS) throw error;
      const wait = PUSH_RETRY_MS * 2 ** (attempt - 1);
      io.log(`the push failed; trying again in ${wait / 1000} s`);
      await sleep(wait);
    }
  }
  const digest = (await readFile(digestFile, 'utf8')).trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new SlipwayError('build-failed', `podman push wrote no digest for ${tagged}`);
  io.log(`pushed ${push.repository}@${digest}`);
  return `${push.repository}@${digest}`;
}

/** The recipe's Containerfile, or `Containerfile`, or `Dockerfile`, in `context`. */
function containerfileOf(context: string, recipe: BuildRecipe): string {
  const candidates = recipe.containerfile ? [recipe.containerfile] : ['Containerfile', 'Dockerfile'];
  const found = candidates.map((name) => inside(context, name, 'containerfile')).find((path) => existsSync(path));
  if (!found) throw new SlipwayError('build-failed', `no ${candidates.join(' or ')} in ${recipe.context} of the checkout: add one, or give the build commands and an output`);
  return found;
}

/** `path` under `root`; `build-failed` when it leads out of it. */
function inside(root: string, path: string, what: string): string {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '..' || rel.startsWith('../')) throw new SlipwayError('build-failed', `the build's ${what} ${path} leads out of the checkout`);
  return full;
}

/** A Podman auth file holding `login` for the registry of `repository` (none: an empty one). */
export function authJson(repository: string, login: Login | undefined): string {
  const host = repository.split('/')[0]!;
  const auths = login ? { [host]: { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') } } : {};
  return JSON.stringify({ auths });
}

/** A ref as an image tag: characters a tag may not hold become `-`, at most 128. */
export function imageTag(ref: string): string {
  const tag = ref.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]/, '_').slice(0, 128);
  return tag || 'latest';
}
