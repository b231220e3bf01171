/**
 * An OCI registry for tests: Debian's `docker-registry` (the CNCF distribution registry) on
 * 127.0.0.1 at a free port, with TLS (a CA and a server certificate for IP 127.0.0.1, made by
 * `openssl` in a temporary directory), basic auth (one user, a random password, bcrypt by
 * `htpasswd -B`) and filesystem storage in that directory, which a restart keeps. Podman trusts
 * the CA through `/etc/containers/certs.d/127.0.0.1:<port>/ca.crt`, removed on stop. Stopped by
 * its pid. Missing programs fail loudly, naming the Debian package to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { unusedPort } from '../helpers/ports.js';
import { requireProgram, stopChild } from './podman.js';

/** Where Podman (and so the test engine's pulls and `podman push`) looks for a registry's CA. */
const CERTS_D = '/etc/containers/certs.d';
const READY_TIMEOUT_MS = 15_000;

/** Manifest types a registry may hold: asked for all at once, so it answers with the one it has. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** A running registry. */
export interface RegistryServer {
  /** `127.0.0.1:<port>`: the host part of its image references, and the key of its login in `registries`. */
  readonly address: string;
  readonly port: number;
  /** The one user the registry lets in. */
  readonly username: string;
  readonly password: string;
  /** The CA (PEM) that signed the registry's certificate. */
  readonly caFile: string;
  /** The repository's tags, sorted; empty when it has none (or does not exist). Asks the registry's HTTP API. */
  tags(repository: string): Promise<string[]>;
  /** The digest (`sha256:<hex>`) of the manifest `reference` (a tag or digest) names in `repository`; undefined when there is none. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  /**
   * Pushes the local image `image` to `<address>/<repository>:<tag>` with `podman push --creds`;
   * resolves to the pushed image's reference by digest, `<address>/<repository>@sha256:<hex>`.
   */
  push(image: string, repository: string, tag: string): Promise<string>;
  /** Stops it by its pid (if it runs) and starts it again on the same port and storage; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it by its pid without removing anything: it stays down until `restart()`. Idempotent. */
  pause(): Promise<void>;
  /** Stops it by its pid, removes its directory and Podman's trust of its CA. Idempotent. */
  stop(): Promise<void>;
}

/** Makes the certificates and password file, starts the registry; resolves once it answers `/v2/`. */
export async function startRegistry(): Promise<RegistryServer> {
  const program = requireProgram('docker-registry', 'docker-registry');
  const dir = mkdtempSync(join(tmpdir(), 'slipway-registry-'));
  const username = 'slipway';
  const password = randomBytes(18).toString('base64url');
  let certsDir: string | undefined;
  let child: ChildProcess | undefined;
  let port = 0;
  const configFile = join(dir, 'config.yml');
  try {
    const caFile = makeCertificates(dir);
    writeHtpasswd(join(dir, 'htpasswd'), username, password);
    mkdirSync(join(dir, 'storage'));
    // Another process may take the free port before the registry binds it: then try another.
    for (let attempt = 1; !child; attempt++) {
      port = unusedPort();
      writeFileSync(configFile, config(dir, port));
      certsDir = join(CERTS_D, `127.0.0.1:${port}`);
      try {
        child = await launch(program, configFile, port, caFile);
      } catch (error) {
        if (attempt === 3 || !String(error).includes('address already in use')) throw error;
      }
    }
    mkdirSync(certsDir!, { recursive: true });
    writeFileSync(join(certsDir!, 'ca.crt'), readFileSync(caFile));
    let running: ChildProcess | undefined = child;
    const address = `127.0.0.1:${port}`;
    const api = (method: string, path: string, headers: Record<string, string> = {}) =>
      httpsRequest({ port, caFile, method, path, headers: { authorization: basic(username, password), ...headers } });
    const pause = async () => {
      if (running) await stopChild(running);
      running = undefined;
    };
    let stopping: Promise<void> | undefined;
    return {
      address,
      port,
      username,
      password,
      caFile,
      async tags(repository) {
        const answer = await api('GET', `/v2/${repository}/tags/list`);
        if (answer.status === 404) return [];
        if (answer.status !== 200) throw new Error(`registry ${address}: tags of ${repository}: HTTP ${answer.status}: ${answer.body}`);
        return ((JSON.parse(answer.body) as { tags: string[] | null }).tags ?? []).sort();
      },
      async manifestDigest(repository, reference) {
        const answer = await api('HEAD', `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') });
        if (answer.status === 404) return undefined;
        const digest = answer.headers['docker-content-digest'];
        if (answer.status !== 200 || typeof digest !== 'string') throw new Error(`registry ${address}: manifest ${repository}:${reference}: HTTP ${answer.status}`);
        return digest;
      },
      async push(image, repository, tag) {
        const digestFile = join(dir, `digest-${randomBytes(6).toString('hex')}`);
        const result = await run('podman', ['push', '--creds', `${username}:${password}`, '--digestfile', digestFile, image, `docker://${address}/${repository}:${tag}`]);
        if (result.code !== 0) throw new Error(`podman push ${image} to ${address}/${repository}:${tag} failed (exit ${result.code}): ${result.stderr}`);
        const digest = readFileSync(digestFile, 'utf8').trim();
        rmSync(digestFile, { force: true });
        return `${address}/${repository}@${digest}`;
      },
      async restart() {
        await pause();
        running = await launch(program, configFile, port, caFile);
      },
      pause,
      stop: () =>
        (stopping ??= pause().finally(() => {
          rmSync(certsDir!, { recursive: true, force: true });
          rmSync(dir, { recursive: true, force: true });
        })),
    };
  } catch (error) {
    if (child) await stopChild(child);
    if (certsDir) rmSync(certsDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The registry's configuration: TLS, htpasswd, storage in `dir`, on 127.0.0.1:`port` only. */
function config(dir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '  tls:',
    `    certificate: ${join(dir, 'server.crt')}`,
    `    key: ${join(dir, 'server.key')}`,
    'auth:',
    '  htpasswd:',
    '    realm: slipway-test',
    `    path: ${join(dir, 'htpasswd')}`,
    '',
  ].join('\n');
}

/** Writes a CA (`ca.crt`) and a server certificate it signs for IP 127.0.0.1 (`server.crt`, `server.key`) in `dir`; returns the CA's path. */
function makeCertificates(dir: string): string {
  requireProgram('openssl', 'openssl');
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const at = (name: string) => join(dir, name);
  openssl(['req', '-x509', ...key, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=slipway test registry CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', ...key, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  openssl(['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', at('server.ext'), '-out', at('server.crt')]);
  return at('ca.crt');
}

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
}

/** Writes an htpasswd file with `username`'s bcrypt hash (the registry takes no other); the password goes on stdin, not argv. */
function writeHtpasswd(file: string, username: string, password: string): void {
  requireProgram('htpasswd', 'apache2-utils');
  const result = spawnSync('htpasswd', ['-i', '-B', '-n', username], { input: password, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`htpasswd failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
  writeFileSync(file, result.stdout.trim() + '\n', { mode: 0o600 });
}

/** Starts the registry; resolves once `/v2/` answers (401: it wants a login), else rejects with its log (and it is stopped). */
async function launch(program: string, configFile: string, port: number, caFile: string): Promise<ChildProcess> {
  const child = spawn(program, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const read = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000));
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before it answered:\n${log}`);
      const answer = await httpsRequest({ port, caFile, method: 'GET', path: '/v2/', headers: {} }).catch(() => undefined);
      if (answer?.status === 401) return child;
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${log}`);
      await delay(50);
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** `Basic` credentials for an `Authorization` header. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** An answer of the registry's HTTP API. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS request to 127.0.0.1:`port`, trusting only the CA in `caFile`. */
export function httpsRequest(options: { port: number; caFile: string; method: string; path: string; headers: Record<string, string> }): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: options.port, method: options.method, path: options.path, headers: options.headers, ca: readFileSync(options.caFile), timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method} ${options.path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Runs a program to its end without blocking the event loop. */
function run(program: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}
