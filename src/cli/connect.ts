/**
 * Reaching Slipway from the CLI: the process that holds the workspace (through its control
 * socket) when one is running, otherwise the workspace opened right here.
 */
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { LocalOperations, Workspace, stateDirOf, type Operations } from '../engine/index.js';
import { Label, checkName, findProjectFile } from '../inputs/index.js';
import { ApiClient, ControlClient } from '../server/api-client.js';
import { controlSocketAnswers, controlSocketPath } from '../server/control-socket.js';
import { Reconciler } from '../converge/index.js';

/** The project file named by `--project` (a file, or a directory holding `slipway.yaml`), or found in the working directory. */
export function projectFileOf(option: string | undefined): string {
  if (!option) return findProjectFile(process.cwd());
  const path = resolve(option);
  return existsSync(path) && statSync(path).isDirectory() ? findProjectFile(path) : path;
}

/**
 * Operations for this CLI invocation: a Slipway server when `SLIPWAY_URL` is set (with the API
 * token in `SLIPWAY_TOKEN`; no project file is needed here then), else the project's.
 */
export async function connectFromEnvironment(projectFile: () => string, env: NodeJS.ProcessEnv = process.env, options: ConnectOptions = {}): Promise<Operations> {
  if (env.SLIPWAY_URL) return new ApiClient({ url: env.SLIPWAY_URL, ...(env.SLIPWAY_TOKEN && { token: env.SLIPWAY_TOKEN }) });
  return connect(projectFile(), options);
}

export interface ConnectOptions {
  /** A workspace opened here logs in to the targets' hosts while its store opens (`WorkspaceOptions.warm`). */
  readonly warm?: boolean;
}

/** Operations on the project: through the control socket of the process that holds its workspace, when one answers; local otherwise. */
export async function connect(projectFile: string, options: ConnectOptions = {}): Promise<Operations> {
  const stateDir = stateDirOf(projectFile);
  const socket = controlSocketPath(stateDir);
  if (await controlSocketAnswers(stateDir)) return new ControlClient(socket);
  const ws = await Workspace.open({ projectFile, databaseUrl: process.env.SLIPWAY_DATABASE_URL, warm: options.warm });
  const reconciler = new Reconciler(ws);
  return new LocalOperations(ws, { drive: 'inline', drift: () => reconciler.drift() });
}

/** Who is acting: `SLIPWAY_ACTOR`, or the operating-system user. Throws `InvalidNameError` when it is not printable (`Label`). */
export function actor(): string {
  return checkName(Label, 'actor (SLIPWAY_ACTOR or your user name)', process.env.SLIPWAY_ACTOR ?? userInfo().username);
}

