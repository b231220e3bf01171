import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendToSocket } from '../../src/runtimes/ssh/haproxy-api.js';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { createNetwork } from './netns.js';
import { DEPLOY_HOME, DEPLOY_USER, START_FILES, startSshHosts, type SshHosts } from './sshd.js';

function ssh(hosts: SshHosts, address: string, command: string, user = DEPLOY_USER) {
  hosts.network.assertReachable(hosts.hosts.find((h) => h.address === address)!.net);
  const args = ['-F', '/dev/null', '-i', hosts.identityFile, '-o', `UserKnownHostsFile=${hosts.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes'];
  args.push('-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', `${user}@${address}`, command);
  return spawnSync('ssh', args, { encoding: 'utf8' });
}

describe('test hosts: namespaces, sshd, HAProxy', () => {
  let hosts: SshHosts;
  let haproxy: Haproxy | undefined;
  beforeAll(async () => {
    hosts = await startSshHosts(2);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await hosts?.stop();
  });

  it('each host answers SSH on its own address, inside its own namespace', () => {
    for (const host of hosts.hosts) {
      const result = ssh(hosts, host.address, 'ip -o -4 addr show dev eth0');
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(` inet ${host.address}/27 `);
    }
    expect(new Set(hosts.hosts.map((h) => h.fingerprint)).size).toBe(2);
  });

  it('logs in as the deploy user, whose shell start files are empty, in a base directory of its own; root may not log in', () => {
    const [host] = hosts.hosts;
    expect(host!.user).toBe(DEPLOY_USER);
    const command = `echo "$HOME"; id -un; echo "$PATH"; echo "\${PYENV_ROOT-unset}"; test -w ${host!.baseDir} && echo writable`;
    const result = ssh(hosts, host!.address, command);
    expect(result.stderr).toBe('');
    // bash run by sshd reads ~/.bashrc: root's, through pyenv, would have set PYENV_ROOT and put its shims first
    const [home, user, path, pyenv, baseDir] = result.stdout.split('\n');
    expect([home, user, pyenv, baseDir]).toEqual([DEPLOY_HOME, DEPLOY_USER, 'unset', 'writable']);
    expect(path).not.toMatch(/pyenv|cargo|\/root/);
    for (const file of START_FILES) {
      expect(readFileSync(join(DEPLOY_HOME, file), 'utf8'), file).toBe('');
      expect(statSync(join(DEPLOY_HOME, file)).uid, `${file} is root's, not the deploy user's to change`).toBe(0);
    }
    for (const { baseDir } of hosts.hosts) expect(statSync(baseDir).uid).toBe(hosts.user.uid);
    expect(ssh(hosts, host!.address, 'true', 'root').status).not.toBe(0);
  });

  it('a host cut off does not answer; brought back, it does again', () => {
    const [host] = hosts.hosts;
    hosts.network.linkDown(host!.net);
    expect(() => hosts.network.assertReachable(host!.net)).toThrow(/link/);
    hosts.network.linkUp(host!.net);
    expect(ssh(hosts, host!.address, 'true').status).toBe(0);
  });

  it('HAProxy balances over the hosts and its runtime API drains a server', async () => {
    for (const host of hosts.hosts) {
      const root = join(host.baseDir, 'www');
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'healthz'), 'ok');
      writeFileSync(join(root, 'index.html'), host.name);
      hosts.network.spawn(host.net, ['busybox', 'httpd', '-f', '-p', `${host.address}:8080`, '-h', root], { stdio: 'ignore' });
    }
    haproxy = await startHaproxy({ servers: hosts.hosts.map((h) => ({ name: h.name, address: h.address, port: 8080 })) });
    expect(existsSync(haproxy.socket)).toBe(true);
    const answers = async (n: number) => {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) seen.add(await (await fetch(`${haproxy!.url}/index.html`)).text());
      return seen;
    };
    await expect.poll(() => answers(4)).toEqual(new Set(['h0', 'h1']));
    expect(await sendToSocket(haproxy.socket, 'set server app/h0 state drain')).toBe('\n');
    expect(await answers(4)).toEqual(new Set(['h1']));
  });

  it('stop removes the namespaces and the bridge', async () => {
    const { network } = hosts;
    await hosts.stop();
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const host of network.hosts) expect(netns).not.toContain(host.namespace);
    expect(spawnSync('ip', ['link', 'show', network.bridge]).status).not.toBe(0);
  });

  it('a namespace a killed run left is deleted as the next network is made, though that run left no bridge', async () => {
    const left = `slw-${spawnSync('true').pid}-0-h0`; // named for a process that has exited
    expect(spawnSync('ip', ['netns', 'add', left]).status).toBe(0);
    const network = createNetwork(1);
    try {
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(left);
    } finally {
      await network.teardown();
      spawnSync('ip', ['netns', 'del', left]);
    }
  });
});
