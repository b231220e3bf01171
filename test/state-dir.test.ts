/**
 * The state directory is private to its user whatever the umask. After `slipway secret set` and a
 * deployment to a process target under umask 022, every file under `.slipway/` is 0600 and every
 * directory 0700 (database, key, lock, records, logs, artifacts), no file holds the secret's value,
 * and the service runs with the user's umask. A `.slipway/` that others can write is refused, with
 * the fix in the message, and left exactly as it was.
 */
import { chmodSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { API_WORKLOAD, projectDir, removeProject } from './helpers/projects.js';

const SECRET = 'resolved-secret-value-7f3a9c';
const dir = projectDir('state-dir');
const stateDir = join(dir, '.slipway');
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: private-state
services:
  api:
${API_WORKLOAD}
      env: { API_TOKEN: "secret:api-token" }
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: process }
`,
);
const cli = (args: string[], input?: string) => runCli(['--project', dir, ...args], { umask: 0o022, input });

/** Every entry under `root` (itself included) with its permission bits and kind. */
function tree(root: string): { path: string; mode: string; kind: string }[] {
  const paths = [root, ...readdirSync(root, { recursive: true, encoding: 'utf8' }).map((p) => join(root, p))];
  return paths.sort().map((path) => {
    const stats = lstatSync(path);
    const kind = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
    return { path, mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'), kind };
  });
}

afterAll(async () => {
  chmodSync(stateDir, 0o700);
  await cli(['down']);
  await removeProject(dir);
});

describe('the state directory', () => {
  // Three CLI runs, each starting tsx and PGlite: on a loaded 2-core machine that can pass a minute.
  it('holds only private files and directories, and no secret in plain text, after a deployment under umask 022', { timeout: 180_000 }, async () => {
    expect(await cli(['secret', 'set', 'api-token'], SECRET)).toMatchObject({ code: 0 });
    const deploy = await cli(['deploy', 'api', '--env', 'dev']);
    expect(deploy.stdout + deploy.stderr).toMatch(/api v1 in dev is ready/);
    const entries = tree(stateDir);
    expect(entries.filter((e) => e.path.includes('/db/')).length).toBeGreaterThan(100);
    expect(entries.filter((e) => e.path.endsWith('secret.key') || e.path.includes('/instances/') || e.path.includes('/artifacts/')).length).toBeGreaterThan(2);
    const expected = { dir: '0700', file: '0600' } as Record<string, string>;
    expect(entries.filter((e) => e.mode !== expected[e.kind])).toEqual([]);
    expect(entries.filter((e) => e.kind === 'file' && readFileSync(e.path).includes(SECRET)).map((e) => e.path)).toEqual([]);

    const [row] = JSON.parse((await cli(['status', '--json'])).stdout) as { instances: { pid: number }[] }[];
    const status = readFileSync(`/proc/${row!.instances[0]!.pid}/status`, 'utf8');
    expect(/^Umask:\s+(\d+)$/m.exec(status)?.[1]).toBe('0022');
  });

  it('is refused when group or others can write it, with the command that fixes it, and nothing in it changes', async () => {
    chmodSync(stateDir, 0o777);
    const before = tree(stateDir);
    const status = await cli(['status']);
    expect(status.code).not.toBe(0);
    expect(status.stderr).toContain(`${stateDir} can be written by group and others (mode 0777`);
    expect(status.stderr).toContain(`chmod -R go-rwx ${stateDir}`);
    expect(tree(stateDir)).toEqual(before);
  });
});
