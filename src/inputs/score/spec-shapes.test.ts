/**
 * Score files shaped like the Score project's published examples and specification (written
 * here, not copied): every one validates for a container target; the process target refuses
 * exactly what a process cannot honour, at its position.
 */
import { describe, expect, it } from 'vitest';
import type { InputIssue } from '../../errors.js';
import { issuesOfProjectFiles } from '../test-fixtures.js';

const head = (name: string) => `apiVersion: score.dev/v1b1\nmetadata:\n  name: ${name}\n`;

/** name → Score file. */
const SHAPES: Record<string, string> = {
  'hello-world': `${head('hello-world')}containers:\n  hello:\n    image: busybox\n`,
  'command-args': `${head('command-args')}containers:\n  hello:\n    image: busybox\n    command: ["/bin/sh"]\n    args: ["-c", "while true; do echo Hello $\${NAME}; sleep 5; done"]\n    variables:\n      NAME: \${metadata.name}\n`,
  'web-target-port': `${head('web-target-port')}service:\n  ports:\n    www:\n      port: 8000\n      targetPort: 80\ncontainers:\n  web:\n    image: nginx\n    files:\n      - target: /usr/share/nginx/html/index.html\n        mode: "0644"\n        content: "<p>\${metadata.name}</p>"\n    volumes:\n      - source: data\n        target: /var/cache/nginx\n        readOnly: false\n`,
  'two-containers': `${head('two-containers')}service:\n  ports:\n    http: { port: 8080 }\ncontainers:\n  frontend:\n    image: localhost/frontend:1\n    variables:\n      BACKEND: http://localhost:9000\n  backend:\n    image: localhost/backend:1\n    args: [--listen, ":9000"]\n`,
  'postgres-app': `${head('postgres-app')}containers:\n  app:\n    image: localhost/app:1\n    variables:\n      DATABASE_URL: postgres://\${resources.db.username}:\${resources.db.password}@\${resources.db.host}:\${resources.db.port}/\${resources.db.database}\nresources:\n  db:\n    type: postgres\n  cache:\n    type: redis\n`,
  probes: `${head('probes')}service:\n  ports:\n    http: { port: 8080 }\ncontainers:\n  app:\n    image: localhost/app:1\n    livenessProbe:\n      exec:\n        command: [/bin/check, --live]\n    readinessProbe:\n      httpGet:\n        path: /ready\n        port: 8080\n        httpHeaders:\n          - { name: X-Custom-Header, value: ready }\n`,
  resources: `${head('resources')}containers:\n  app:\n    image: localhost/app:1\n    resources:\n      limits: { memory: 128Mi, cpu: "0.5" }\n      requests: { memory: 64Mi, cpu: 250m }\n`,
  udp: `${head('udp')}service:\n  ports:\n    dns: { port: 5353, targetPort: 53, protocol: UDP }\ncontainers:\n  dns:\n    image: localhost/dns:1\n`,
  'map-forms': `${head('map-forms')}containers:\n  app:\n    image: localhost/app:1\n    files:\n      /etc/app/raw.txt: { content: "keep \${this} as written", noExpand: true }\n      /etc/app/blob: { binaryContent: AAECAw== }\n    volumes:\n      /data: { source: "\${resources.data.source}" }\nresources:\n  data:\n    type: volume\n`,
};

async function load(runtime: string): Promise<readonly InputIssue[]> {
  const names = Object.keys(SHAPES);
  const files: Record<string, string> = {
    '/p/slipway.yaml': `project: shapes\nscoreFiles: [${names.map((n) => `${n}.yaml`).join(', ')}]\nenvironments:\n  dev: { targets: [box] }\ntargets:\n  box: { runtime: ${runtime} }\n`,
    ...Object.fromEntries(names.map((n) => [`/p/${n}.yaml`, SHAPES[n]!])),
  };
  return issuesOfProjectFiles(files);
}

describe('Score files as the specification writes them', () => {
  it('every shape validates for a container target', async () => {
    expect(await load('container')).toEqual([]);
  });

  it('for a process target, each file is refused only where a process cannot follow, naming the runtime', async () => {
    const issues = await load('process');
    expect(issues.every((i) => i.message.startsWith('the process runtime (target box) cannot honour this: '))).toBe(true);
    const refused = [...new Set(issues.map((i) => i.file.replace('/p/', '').replace('.yaml', '')))].sort();
    expect(refused).toEqual(['hello-world', 'map-forms', 'postgres-app', 'probes', 'resources', 'two-containers', 'udp', 'web-target-port']);
    expect(issues.filter((i) => i.file === '/p/probes.yaml').map((i) => `${i.line}:${i.column}`)).toEqual(['8:3', '11:7', '17:9']);
  });
});
