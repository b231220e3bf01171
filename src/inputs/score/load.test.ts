import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { substitute } from './placeholders.js';
import { loadScoreFile, parseScore, scoreToService } from './load.js';
import { issuesOf } from '../test-fixtures.js';
import type { HttpProbe, Probe } from '../schema.js';

/** The HTTP probe `probe` is (failing the test when it is not one). */
function http(probe: Probe | undefined): HttpProbe['httpGet'] {
  expect(probe).toHaveProperty('httpGet');
  return (probe as HttpProbe).httpGet;
}

const EXAMPLE_DIR = resolve('examples/score');
const PROJECT_DIR = '/srv/shop';
const FILE = '/srv/shop/services/api/score.yaml';

/** A small valid Score file; tests change lines of it. */
const VALID = `apiVersion: score.dev/v1b1
metadata:
  name: api
containers:
  main:
    image: .
    command: [node, server.mjs]
    variables:
      GREETING: hello
service:
  ports:
    http:
      port: 8080
resources:
  db:
    type: postgres
`;

function convert(text: string, file = FILE): ReturnType<typeof scoreToService> {
  return scoreToService(parseScore(text, file), { projectDir: PROJECT_DIR });
}

function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, () => to);
}

/** `VALID` with `lines` (indented for a container's keys) added to the container. */
function withContainer(lines: string): string {
  return edit(VALID, '    variables:\n', `${lines.replace(/^/gm, '    ')}\n    variables:\n`);
}

function messages(text: string): string[] {
  return issuesOf(() => convert(text)).map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
}

describe('loadScoreFile on the example', () => {
  it('turns the Score workload into a service: artifact, command, env templates, ports, probes, limits, resources', async () => {
    const { name, service } = await loadScoreFile(join(EXAMPLE_DIR, 'orders/score.yaml'), EXAMPLE_DIR);
    expect(name).toBe('orders');
    expect(service.owner).toBe('payments');
    expect(service.description).toBe('Takes orders and keeps them in PostgreSQL.');
    expect(service.workload).toMatchObject({
      command: 'node',
      args: ['server.mjs'],
      artifact: 'orders',
      ports: { http: 8080 },
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
      limits: { memory: '256Mi', cpu: '500m' },
    });
    expect(service.workload.image).toBeUndefined();
    expect(service.workload.env).toEqual({
      SERVICE_NAME: 'orders',
      TEAM: 'payments',
      DATABASE_URL: 'postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/${resources.db.database}',
      PRICE_FORMAT: '$${amount} EUR',
    });
    expect(service.resources).toEqual({ db: { type: 'postgres', id: 'shop-db' } });
  });

  it('leaves env values that deploy time finishes with the resource outputs', async () => {
    const { service } = await loadScoreFile(join(EXAMPLE_DIR, 'orders/score.yaml'), EXAMPLE_DIR);
    const outputs: Record<string, string> = { username: 'orders', password: 'pw', host: '127.0.0.1', port: '5432', database: 'shop' };
    const lookup = (path: readonly string[]): string | undefined => (path[0] === 'resources' && path[1] === 'db' ? outputs[path[2] ?? ''] : undefined);
    expect(substitute(service.workload.env.DATABASE_URL!, lookup)).toBe('postgres://orders:pw@127.0.0.1:5432/shop');
    expect(substitute(service.workload.env.PRICE_FORMAT!, lookup)).toBe('${amount} EUR');
  });

  it('rejects an unreadable file with the read error', async () => {
    await expect(loadScoreFile(join(EXAMPLE_DIR, 'missing.yaml'), EXAMPLE_DIR)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('images', () => {
  it('makes image "." the artifact of the Score file directory, relative to the project', () => {
    expect(convert(VALID).service.workload.artifact).toBe('services/api');
    expect(convert(VALID, '/srv/shop/score.yaml').service.workload.artifact).toBe('.');
    expect(convert(VALID, '/srv/other/score.yaml').service.workload.artifact).toBe('../other');
  });

  it('passes any other image through as workload.image, with no artifact', () => {
    const { workload } = convert(edit(VALID, 'image: .', 'image: registry.local/api:1.2')).service;
    expect(workload.image).toBe('registry.local/api:1.2');
    expect(workload.artifact).toBeUndefined();
  });

  it("without a command, leaves it absent so that the image's entrypoint runs, with args as its command", () => {
    const image = edit(VALID, 'image: .', 'image: registry.local/api:1.2');
    const bare = convert(edit(image, '    command: [node, server.mjs]\n', '')).service.workload;
    expect([bare.command, bare.args]).toEqual([undefined, []]);
    const withArgs = convert(edit(image, 'command: [node, server.mjs]', 'args: [--port, "8080"]')).service.workload;
    expect([withArgs.command, withArgs.args]).toEqual([undefined, ['--port', '8080']]);
  });

  it('joins command and args into one command line', () => {
    const { workload } = convert(edit(VALID, 'command: [node, server.mjs]', 'command: [node]\n    args: [--inspect, server.mjs]')).service;
    expect([workload.command, ...workload.args]).toEqual(['node', '--inspect', 'server.mjs']);
  });
});

describe('ports', () => {
  it('maps each service port to a Slipway port; protocol TCP and an equal targetPort are fine', () => {
    const text = edit(VALID, '      port: 8080\n', '      port: 8080\n      protocol: TCP\n      targetPort: 8080\n    admin: { port: 9090 }\n');
    expect(convert(text).service.workload.ports).toEqual({ http: 8080, admin: 9090 });
  });

  it('works without a service section', () => {
    expect(convert(edit(VALID, 'service:\n  ports:\n    http:\n      port: 8080\n', '')).service.workload.ports).toEqual({});
  });

  it('carries a targetPort other than the port, and UDP, as port details', () => {
    const text = edit(VALID, '      port: 8080\n', '      port: 8080\n      targetPort: 80\n    dns: { port: 53, protocol: UDP }\n');
    const { workload } = convert(text).service;
    expect(workload.ports).toEqual({ http: 8080, dns: 53 });
    expect(workload.portDetails).toEqual({ http: { targetPort: 80 }, dns: { protocol: 'UDP' } });
  });

  it('refuses port names Slipway cannot use', () => {
    expect(messages(edit(VALID, '      port: 8080\n', '      port: 8080\n    9p: { port: 564 }\n'))).toEqual(['14:5 service.ports.9p: Slipway needs a port name that starts with a letter, got "9p"']);
  });

  it('requires port, per the specification', () => {
    expect(messages(edit(VALID, '      port: 8080\n', '      protocol: TCP\n'))).toEqual(['12:5 service.ports.http.port: missing required key "port" (expected a whole number from 1 to 65535)']);
  });
});

describe('probes', () => {
  const probe = (lines: string): string => withContainer(`readinessProbe:\n${lines.replace(/^/gm, '  ')}`);

  it('names a probe port by the service port that has its number, so per-environment ports follow', () => {
    expect(http(convert(probe('httpGet: { path: /ready, port: 8080 }')).service.workload.readinessProbe)).toEqual({ path: '/ready', port: 'http' });
  });

  it("takes a probe's port number as the container's: the port whose targetPort it is", () => {
    const text = edit(probe('httpGet: { path: /ready, port: 80 }'), '      port: 8080\n', '      port: 8080\n      targetPort: 80\n');
    expect(http(convert(text).service.workload.readinessProbe)).toEqual({ path: '/ready', port: 'http' });
  });

  it('keeps a port number no service port has, and refuses a port name, which the specification forbids', () => {
    expect(http(convert(probe('httpGet: { path: /ready, port: 9000 }')).service.workload.readinessProbe).port).toBe(9000);
    expect(messages(probe('httpGet: { path: /ready, port: http, scheme: HTTP }'))).toEqual([
      '9:38 containers.main.readinessProbe.httpGet.port: expected a whole number from 1 to 65535, got "http"',
    ]);
  });

  it('maps liveness and readiness probes alike, with Slipway defaults for timing', () => {
    const text = withContainer('livenessProbe:\n  httpGet: { path: /live, port: 8080 }\nreadinessProbe:\n  httpGet: { path: /ready, port: 8080 }');
    const { workload } = convert(text).service;
    expect(workload.livenessProbe).toEqual({ httpGet: { path: '/live', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 });
    expect(http(workload.readinessProbe).path).toBe('/ready');
  });

  it('uses httpGet when a probe also has exec, as the specification lets an implementation choose', () => {
    const { workload } = convert(probe('exec: { command: ["true"] }\nhttpGet: { path: /ready, port: 8080 }')).service;
    expect(http(workload.readinessProbe)).toEqual({ path: '/ready', port: 'http' });
  });

  it('carries exec probes, probe headers, and a host that names the instance itself', () => {
    expect(convert(withContainer('livenessProbe:\n  exec: { command: [cat, /tmp/ready] }')).service.workload.livenessProbe).toMatchObject({ exec: { command: ['cat', '/tmp/ready'] } });
    const text = probe('httpGet:\n  host: localhost\n  path: /ready\n  port: 8080\n  httpHeaders: [{ name: X-Probe, value: "1" }]');
    expect(http(convert(text).service.workload.readinessProbe)).toEqual({ path: '/ready', port: 'http', httpHeaders: [{ name: 'X-Probe', value: '1' }] });
  });

  it('refuses what no runtime honours: another host, HTTPS, an HTTP probe on a UDP port', () => {
    const text = probe('httpGet:\n  host: example.com\n  scheme: HTTPS\n  path: /ready\n  port: 8080');
    expect(messages(text)).toEqual([
      "10:15 containers.main.readinessProbe.httpGet.host: Slipway probes the instance's own address; remove host (or make it localhost)",
      '11:17 containers.main.readinessProbe.httpGet.scheme: Slipway probes over plain HTTP; HTTPS cannot be honoured',
    ]);
    expect(messages(edit(probe('httpGet: { path: /, port: 8080 }'), '      port: 8080\n', '      port: 8080\n      protocol: UDP\n'))).toEqual([
      '9:33 containers.main.readinessProbe.httpGet.port: port http is UDP; an HTTP probe needs a TCP port',
    ]);
  });

  it('refuses, with their positions, a path, host or header an HTTP client cannot send', () => {
    const text = probe('httpGet:\n  host: "exa mple.com"\n  path: "/ready now"\n  port: 8080\n  httpHeaders: [{ name: X-Probe, value: "1\\r\\nX-Injected: 1" }]');
    expect(messages(text)).toEqual([
      '10:15 containers.main.readinessProbe.httpGet.host: expected a host name or IP address, such as web-1.example.com, 10.0.0.7 or fd00::7, got "exa mple.com"',
      '11:15 containers.main.readinessProbe.httpGet.path: expected a URL path such as /healthz or /status?full=1 (no spaces or control characters; %20 for a space), got "/ready now"',
      '13:47 containers.main.readinessProbe.httpGet.httpHeaders[0].value: expected a header value without line breaks, NUL or other control characters, got "1\\r\\nX-Injected: 1"',
    ]);
    expect(messages(probe('httpGet: { path: /ready, port: 8080, httpHeaders: [{ name: "X Probe", value: "1" }] }'))).toEqual([
      '9:66 containers.main.readinessProbe.httpGet.httpHeaders[0].name: expected a header name of letters, digits, "-" and "_", got "X Probe"',
    ]);
    expect(messages(probe('httpGet: { path: ready, port: 8080 }'))).toEqual([
      '9:24 containers.main.readinessProbe.httpGet.path: expected a URL path such as /healthz or /status?full=1 (no spaces or control characters; %20 for a space), got "ready"',
    ]);
  });

  it('checks probes against the specification first', () => {
    expect(messages(probe('httpGet: { port: 8080 }'))).toEqual([
      '9:7 containers.main.readinessProbe.httpGet.path: missing required key "path" (expected text)',
    ]);
  });
});

describe('placeholders', () => {
  it('resolves ${metadata.…} at load, also in args and resource params, and keeps escapes', () => {
    const text = edit(
      edit(VALID, 'GREETING: hello', 'GREETING: "hello from ${metadata.name} ($${HOME})"\n      TAGS: ${metadata.tags}'),
      'name: api\n',
      'name: api\n  tags: [a, b]\n',
    );
    const withParams = edit(text, 'type: postgres\n', 'type: postgres\n    params: { database: "${metadata.name}-db" }\n');
    const { service } = convert(edit(withParams, 'command: [node, server.mjs]', 'command: [node, server.mjs, --name, "${metadata.name}"]'));
    expect(service.workload.env).toEqual({ GREETING: 'hello from api ($${HOME})', TAGS: '["a","b"]' });
    expect(service.workload.args).toEqual(['server.mjs', '--name', 'api']);
    expect(service.resources.db?.params).toEqual({ database: 'api-db' });
  });

  it('positions an unknown resource, an unknown metadata key, a resource output in args, an unknown root and a malformed text', () => {
    const text = edit(
      edit(VALID, 'GREETING: hello', 'GREETING: ${resources.cache.url}\n      NAME: ${metadata.nme}\n      ROOT: ${env.HOME}\n      BAD: "${metadata.name"'),
      'command: [node, server.mjs]',
      'command: [node, "${resources.db.url}"]',
    );
    expect(messages(text)).toEqual([
      '7:21 containers.main.command[1]: in ${resources.db.url}: resource outputs are resolved only in variables and resource params; set a variable to it and read that',
      '9:17 containers.main.variables.GREETING: in ${resources.cache.url}: unknown resource "cache" (expected one of: db)',
      '10:13 containers.main.variables.NAME: in ${metadata.nme}: unknown metadata key "nme", did you mean "name"?',
      '11:13 containers.main.variables.ROOT: unknown placeholder ${env.HOME}: expected ${metadata.…} or ${resources.…}; write $${ for a literal ${',
      '12:12 containers.main.variables.BAD: unclosed placeholder at "${metadata.name": expected "}" (write $${ for a literal ${)',
    ]);
  });

  it('undoes $$ in command and args, which nothing resolves later', () => {
    const text = edit(VALID, 'command: [node, server.mjs]', 'command: [/bin/sh, "$$0"]\n    args: [-c, "echo $${GREETING} $$$$ ${metadata.name}", "${metadata.name}$$"]');
    const { workload } = convert(text).service;
    expect([workload.command, ...workload.args]).toEqual(['/bin/sh', '$0', '-c', 'echo ${GREETING} $$ api', 'api$']);
    expect(workload.env.GREETING).toBe('hello');
  });

  it('requires an output after the resource name', () => {
    expect(messages(edit(VALID, 'GREETING: hello', 'GREETING: ${resources.db}'))).toEqual([
      '9:17 containers.main.variables.GREETING: in ${resources.db}: expected a resource and one of its outputs, as in ${resources.db.host}',
    ]);
  });
});

describe('containers, files, volumes and resources', () => {
  /** `VALID` with containers `migrate` and `proxy` added after `main`, each with `before` entries as given. */
  function ordered(migrate: string, proxy: string): string {
    return edit(VALID, 'service:\n', `  migrate:\n    image: localhost/app:1\n    command: [migrate]\n    before: ${migrate}\n  proxy:\n    image: localhost/envoy:1\n    before: ${proxy}\nservice:\n`);
  }

  it('carries before on each container; the workload\'s own container is the first that keeps running, named', () => {
    const { workload } = convert(ordered('{ main: { ready: complete }, proxy: { ready: started } }', '{}')).service;
    expect(workload).toMatchObject({ container: 'main', artifact: 'services/api' });
    expect(workload.before).toBeUndefined();
    expect(workload.sidecars).toEqual({
      migrate: { image: 'localhost/app:1', command: 'migrate', args: [], env: {}, before: { main: { ready: 'complete' }, proxy: { ready: 'started' } } },
      proxy: { image: 'localhost/envoy:1', args: [], env: {} },
    });
    // A step listed first is never the workload's own container: it exits.
    const stepFirst = `apiVersion: score.dev/v1b1
metadata: { name: api }
containers:
  migrate: { image: localhost/app:1, before: { app: { ready: complete } } }
  proxy: { image: localhost/envoy:1, before: { app: { ready: healthy } } }
  app: { image: localhost/app:1 }
`;
    const stepped = convert(stepFirst).service.workload;
    expect([stepped.container, stepped.image, Object.keys(stepped.sidecars ?? {})]).toEqual(['proxy', 'localhost/envoy:1', ['migrate', 'app']]);
    expect(stepped.before).toEqual({ app: { ready: 'healthy' } });
    expect(messages(stepFirst.replace('app: { image: localhost/app:1 }', 'app: { image: . }'))).toEqual([
      '6:17 containers.app.image: only the first container that keeps running (proxy) may run the artifact of this directory (image: .); give an image',
    ]);
  });

  it('names no container of a workload without before, as before it existed', () => {
    expect(convert(edit(VALID, 'service:\n', '  proxy:\n    image: localhost/envoy:1\nservice:\n')).service.workload.container).toBeUndefined();
  });

  it('refuses a before key naming an unknown container or its own, and a cycle, at the key', () => {
    expect(messages(ordered('{ mian: { ready: complete } }', '{ proxy: { ready: started } }'))).toEqual([
      '13:15 containers.migrate.before.mian: unknown container "mian", did you mean "main"?',
      '16:15 containers.proxy.before.proxy: a container cannot start before itself; name another container of this workload',
    ]);
    expect(messages(ordered('{ proxy: { ready: complete } }', '{ migrate: { ready: started } }'))).toEqual([
      '16:15 containers.proxy.before.migrate: start order cycle: migrate → proxy → migrate (each must start before the next)',
    ]);
  });

  it('makes the containers after the first sidecars, sharing its ports', () => {
    const text = edit(VALID, 'service:\n', '  proxy:\n    image: localhost/envoy:1\n    variables: { UPSTREAM: "localhost:8080" }\n    readinessProbe: { exec: { command: ["true"] } }\nservice:\n');
    const { workload } = convert(text).service;
    expect(workload.sidecars).toEqual({
      proxy: { image: 'localhost/envoy:1', args: [], env: { UPSTREAM: 'localhost:8080' }, readinessProbe: expect.objectContaining({ exec: { command: ['true'] } }) },
    });
    expect(messages(edit(VALID, 'service:\n', '  proxy:\n    image: .\nservice:\n'))).toEqual([
      '11:12 containers.proxy.image: only the first container may run the artifact of this directory (image: .); give an image',
    ]);
  });

  it('carries files in either form: content final unless it waits for resource outputs, noExpand as written, binary as base64', () => {
    const text = withContainer(
      [
        'files:',
        '  - target: /etc/app.conf',
        '    mode: "0600"',
        '    content: "name=${metadata.name} cost=$$5"',
        '  - target: /etc/db.conf',
        '    content: "url=${resources.db.url}"',
        '  - target: /etc/raw',
        '    noExpand: true',
        '    content: "${HOME} $$"',
        '  - target: /bin/blob',
        '    binaryContent: AAEC',
      ].join('\n'),
    );
    expect(convert(text).service.workload.files).toEqual([
      { target: '/etc/app.conf', mode: '0600', content: 'name=api cost=$5', noExpand: true },
      { target: '/etc/db.conf', content: 'url=${resources.db.url}' },
      { target: '/etc/raw', content: '${HOME} $$', noExpand: true },
      { target: '/bin/blob', binaryContent: 'AAEC' },
    ]);
    expect(convert(withContainer('files:\n  /etc/x: { content: x }')).service.workload.files).toEqual([{ target: '/etc/x', content: 'x', noExpand: true }]);
  });

  it('reads a file source relative to the Score file, and positions one that is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-score-'));
    writeFileSync(join(dir, 'app.conf'), 'workload ${metadata.name}\n');
    writeFileSync(join(dir, 'score.yaml'), withContainer('files:\n  - { target: /etc/app.conf, source: app.conf }'));
    expect((await loadScoreFile(join(dir, 'score.yaml'), dir)).service.workload.files).toEqual([{ target: '/etc/app.conf', content: 'workload api\n', noExpand: true }]);
    writeFileSync(join(dir, 'score.yaml'), withContainer('files:\n  - { target: /etc/app.conf, source: gone.conf }'));
    const issues = await loadScoreFile(join(dir, 'score.yaml'), dir).then(() => [], (error: { issues: { line: number; message: string }[] }) => error.issues);
    expect(issues).toEqual([expect.objectContaining({ line: 9, message: `no file at ${join(dir, 'gone.conf')} (a source is relative to the Score file)` })]);
  });

  it('carries volumes in either form, a resource output as source kept for deploy time; limits and requests', () => {
    const text = withContainer('volumes:\n  /data: { source: "${resources.db.source}", readOnly: true }\n  /cache: { source: cache }\nresources:\n  requests: { cpu: "1", memory: 64Mi }\n  limits: { cpu: "0.5" }');
    const { workload } = convert(text).service;
    expect(workload.volumes).toEqual([
      { target: '/data', source: '${resources.db.source}', readOnly: true },
      { target: '/cache', source: 'cache' },
    ]);
    expect(workload.requests).toEqual({ cpu: '1', memory: '64Mi' });
    expect(workload.limits).toEqual({ cpu: '0.5' });
  });

  it('checks files in the map form against the specification', () => {
    expect(messages(withContainer('files:\n  /etc/app.conf: { mode: "999", content: x }'))).toEqual([
      '9:30 containers.main.files./etc/app.conf.mode: expected an octal file mode as text, such as "0600" or "644", got "999"',
    ]);
    expect(messages(withContainer('files:\n  - target: /etc/app.conf'))).toEqual(['9:9 containers.main.files[0]: a file needs its content: give one of content, source or binaryContent']);
  });

  it('refuses resource metadata and names Slipway cannot use', () => {
    const text = edit(VALID, 'resources:\n  db:\n', 'resources:\n  1db:\n    type: redis\n  db:\n    metadata: { annotations: { ab.io/bc: c } }\n');
    expect(messages(text)).toEqual([
      '15:3 resources.1db: Slipway needs a resource name that starts with a letter, got "1db"',
      '18:5 resources.db.metadata: Slipway provisioners take no resource metadata; pass settings in params',
    ]);
  });

  it('refuses a workload name Slipway cannot use, and unknown slipway.dev annotations', () => {
    const text = edit(VALID, 'name: api\n', 'name: 2api\n  annotations:\n    slipway.dev/ownr: me\n    slipway.dev/replicas: two\n    other.io/xy: kept\n');
    expect(messages(text)).toEqual([
      '3:9 metadata.name: Slipway needs a workload name that starts with a letter, got "2api"',
      '5:5 metadata.annotations.slipway.dev/ownr: unknown Slipway annotation "slipway.dev/ownr", did you mean "slipway.dev/owner"?',
      '6:27 metadata.annotations.slipway.dev/replicas: expected a whole number of replicas, got "two"',
    ]);
  });

  it('reads owner, description and replicas from slipway.dev annotations', () => {
    const text = edit(VALID, 'name: api\n', 'name: api\n  annotations:\n    slipway.dev/owner: team-a\n    slipway.dev/description: The API.\n    slipway.dev/replicas: "3"\n');
    expect(convert(text).service).toMatchObject({ owner: 'team-a', description: 'The API.', replicas: 3 });
  });
});

describe('the specification', () => {
  it('refuses an unknown top-level key with a did-you-mean, and a wrong apiVersion', () => {
    expect(messages(edit(VALID, 'resources:', 'resource:'))).toEqual(['14:1 resource: unknown key "resource", did you mean "resources"?']);
    expect(messages(edit(VALID, 'score.dev/v1b1', 'score.dev/v1'))).toEqual(['1:13 apiVersion: unknown apiVersion "score.dev/v1", did you mean "score.dev/v1b1"?']);
  });

  it('requires metadata.name and a container image, all issues at once', () => {
    expect(messages(edit(edit(VALID, '  name: api\n', '  team: x\n'), '    image: .\n', ''))).toEqual([
      '2:1 metadata.name: missing required key "name" (expected a name of 2 to 63 lower-case letters, digits and "-", not starting or ending with "-")',
      '5:3 containers.main.image: missing required key "image" (expected non-empty text)',
    ]);
  });

  it('reports duplicate containers and YAML syntax errors with positions', () => {
    expect(messages(edit(VALID, 'service:\n', '  main:\n    image: x\nservice:\n'))).toEqual(['10:3 containers.main: duplicate container "main" (first defined at line 5)']);
    expect(messages(edit(VALID, 'name: api', 'name: "api'))).toEqual(['3:9 : unclosed quote: expected a closing " for the text that starts here']);
  });

  it('requires variable values to be text, and names usable as environment variables', () => {
    expect(messages(edit(VALID, 'GREETING: hello', 'GREETING: 3\n      my-var: x'))).toEqual([
      '9:17 containers.main.variables.GREETING: expected text, got 3',
    ]);
    expect(messages(edit(VALID, 'GREETING: hello', 'my-var: x'))).toEqual([
      '9:7 containers.main.variables.my-var: expected an environment variable name (letters, digits and "_", not starting with a digit), got "my-var"',
    ]);
  });
});

describe('shared resources', () => {
  it('gives two Score files naming the same type, class and id equal resource requests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-score-'));
    const shared = 'resources:\n  db:\n    type: postgres\n    class: large\n    id: shop-db\n';
    const files = ['a', 'b'].map((name) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, edit(edit(VALID, 'name: api', `name: ${name}-svc`), 'resources:\n  db:\n    type: postgres\n', shared));
      return file;
    });
    const [a, b] = files.map((file) => scoreToService(parseScore(edit(VALID, 'resources:\n  db:\n    type: postgres\n', shared), file), { projectDir: dir }));
    expect(a?.service.resources.db).toEqual({ type: 'postgres', class: 'large', id: 'shop-db' });
    expect(a?.service.resources.db).toEqual(b?.service.resources.db);
  });
});
