/**
 * The CLI without a running `slipway up`: each command opens the project itself. Starts from
 * `slipway init`, as a new user would, and checks exit codes, outputs, and that a failed
 * deployment leaves the previous release serving.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initProject, killPids, processesUnder, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
const cli = (...args: string[]) => runCli(args, { cwd: dir });

interface Row {
  service: string;
  environment: string;
  release?: string;
  health: string;
  endpoints: string[];
}

async function web(environment: string): Promise<Row> {
  const result = await cli('status', '--json');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as Row[]).find((r) => r.service === 'web' && r.environment === environment)!;
}

afterAll(() => {
  killPids(processesUnder(dir));
  rmSync(dir, { recursive: true, force: true });
});

describe('slipway CLI on a project made by init', () => {
  it('init writes a starter project once, and refuses to overwrite it', async () => {
    const first = await initProject(dir);
    expect(first.code).toBe(0);
    expect(readFileSync(join(dir, 'slipway.yaml'), 'utf8')).toContain('http: auto');
    const again = await cli('init');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already/);
  });

  it('validate and schema describe the project file', async () => {
    const valid = await cli('validate', '--json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, services: 1, environments: 3, targets: 1 });
    expect((await cli('validate')).stdout).toMatch(/is valid: 1 service, 3 environments, 1 target, 0 layers/);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const asked of [['--version'], ['version']]) expect(await cli(...asked)).toMatchObject({ code: 0, stdout: `${version}\n` });
    const schema = JSON.parse((await cli('schema')).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['services', 'environments', 'targets']));
  });

  it('preview shows the deployment it would make, and records nothing', async () => {
    const preview = await cli('preview', '--env', 'dev');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/\+ deploy web \(new release\) to dev@local/);
    expect(preview.stdout).toMatch(/1 to deploy/);
    expect(JSON.parse((await cli('events', '--json')).stdout)).toEqual([]);
  });

  it('deploy makes the release run, and deploying it again changes nothing', async () => {
    const deploy = await cli('deploy', 'web', '--env', 'dev');
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toMatch(/web v1 in dev is ready/);
    const row = await web('dev');
    expect(row).toMatchObject({ release: 'v1', health: 'healthy' });
    expect(await (await fetch(row.endpoints[0]!)).text()).toMatch(/hello from web/);
    const again = await cli('deploy', 'web', '--env', 'dev');
    expect(again.stdout).toMatch(/web v1 in dev is unchanged/);
    expect((await cli('preview', '--env', 'dev')).stdout).toMatch(/No changes/);
  });

  it('a release that never becomes ready fails, and the previous one keeps serving', async () => {
    const server = join(dir, 'web', 'server.mjs');
    const good = readFileSync(server, 'utf8');
    writeFileSync(server, `console.error('boom: cannot start');\nprocess.exit(3);\n`);
    try {
      const before = await web('dev');
      const deploy = await cli('deploy', 'web', '--env', 'dev');
      expect(deploy.code).toBe(1);
      expect(deploy.stdout + deploy.stderr).toMatch(/web v2 in dev failed/);
      expect(deploy.stdout + deploy.stderr).toMatch(/boom: cannot start/);
      const after = await web('dev');
      expect(after).toMatchObject({ release: 'v1', health: 'healthy' });
      expect(await (await fetch(after.endpoints[0]!)).text()).toMatch(/hello from web/);
      expect(after.endpoints).toEqual(before.endpoints);
      const types = (JSON.parse((await cli('events', '--json')).stdout) as { type: string }[]).map((e) => e.type);
      expect(types).toContain('deployment.failed');
    } finally {
      writeFileSync(server, good);
    }
  });

  it('an explicit version that exists with other content is a conflict', async () => {
    writeFileSync(join(dir, 'web', 'extra.txt'), 'changed content\n');
    const deploy = await cli('deploy', 'web', '--env', 'dev', '--version', 'v1');
    expect(deploy.code).toBe(4);
    expect(deploy.stderr).toMatch(/v1/);
  });

  it('names what does not exist, with exit code 3', async () => {
    const service = await cli('deploy', 'nope', '--env', 'dev');
    expect(service.code).toBe(3);
    expect(service.stderr).toMatch(/service "nope" not found/);
    const environment = await cli('deploy', 'web', '--env', 'nowhere');
    expect(environment.code).toBe(3);
    expect(environment.stderr).toMatch(/environment "nowhere" not found/);
  });

  it('release create cuts a release without deploying it; release list says where each is current', async () => {
    const created = await cli('release', 'create', 'web', '--version', '3.0.0', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ service: 'web', version: '3.0.0', artifactDigest: expect.stringMatching(/^sha256:/) });
    const list = JSON.parse((await cli('release', 'list', 'web', '--json')).stdout) as { version: string; environments: string[] }[];
    expect(list.map((r) => [r.version, r.environments])).toEqual([
      ['3.0.0', []],
      ['v2', []],
      ['v1', ['dev']],
    ]);
    expect((await web('dev')).release).toBe('v1');
  });

  it('logs shows what the instances printed', async () => {
    const logs = await cli('logs', 'web', '--env', 'dev', '-n', '5');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^dev\.web\.0 \| web listening on port \d+/m);
  });

  it('targets lists where things run, with what runs there', async () => {
    const listed = await cli('targets');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^TARGET\s+RUNTIME\s+ENVIRONMENTS\s+UNITS\s+REACHABLE$/m);
    expect(listed.stdout).toMatch(/^local\s+process\s+dev, staging, prod\s+1\s+yes$/m);
  });

  it('down stops everything it started', async () => {
    expect(processesUnder(dir)).toHaveLength(1);
    const down = await cli('down', '--json');
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual([{ service: 'web', environment: 'dev', target: 'local' }]);
    expect(processesUnder(dir)).toEqual([]);
    expect((await web('dev')).health).toBe('missing');
  });
});
