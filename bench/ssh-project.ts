/** What the SSH benchmarks deploy: the ssh runtime's test app, one replica on each host of a lab. */
import { fileURLToPath } from 'node:url';
import type { SshHosts } from '../test/harness/sshd.js';

/** The app every host runs: `server.mjs`, answering `/healthz`. */
export const SSH_APP = fileURLToPath(new URL('../src/runtimes/ssh/testdata/app', import.meta.url));

/** How the project places its one service: names, port, and where on each host (`baseDir` of the host's own). */
export interface SshProjectShape {
  readonly project: string;
  readonly service: string;
  readonly port: number;
  readonly baseDir: (host: SshHosts['hosts'][number]) => string;
  /** Hosts changed at once; the runtime's default when absent. */
  readonly batchSize?: number;
}

/** The project file: `shape.service` from `./app`, one replica per host, environment `prod` on target `hosts`. */
export function sshProjectFile(lab: SshHosts, shape: SshProjectShape): string {
  const hosts = lab.hosts.map((h) => `{ name: ${h.name}, address: ${h.address}, baseDir: ${shape.baseDir(h)} }`);
  return `project: ${shape.project}
services:
  ${shape.service}:
    replicas: ${lab.hosts.length}
    workload:
      command: ${process.execPath}
      args: [server.mjs]
      artifact: ./app
      ports: { http: ${shape.port} }
      readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, timeoutSeconds: 1 }
environments:
  prod: { targets: [hosts] }
targets:
  hosts:
    runtime: ssh
    hosts: [${hosts.join(', ')}]
    user: ${lab.user.name}
    identityFile: ${lab.identityFile}
    knownHosts: ${lab.knownHostsFile}
${shape.batchSize === undefined ? '' : `    batchSize: ${shape.batchSize}\n`}`;
}
