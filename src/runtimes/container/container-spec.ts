/**
 * The Docker Engine API request that creates one replica's container: image and command, labels,
 * environment, ports published on this machine (`LOOPBACK`), restart policy and resource limits. Pure.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { DesiredUnit } from '../../desired/types.js';
import { instanceEnv } from '../kit/instance-env.js';
import { LOOPBACK, probePort } from '../kit/ports.js';
import { containerCommand } from './image-ref.js';
import { encodeLabels, type HostProbe, type InstanceLabels } from './labels.js';
import type { ContainerTarget } from './settings.js';

/** The container name of a replica's generation: `slipway.<target>.<environment>.<service>.<replica>.<generation>`. */
export function containerName(instance: Pick<InstanceLabels, 'key' | 'replica' | 'generation'>): string {
  const { key, replica, generation } = instance;
  return `slipway.${key.target}.${key.environment}.${key.service}.${replica}.${generation}`;
}

/** What the labels of replica `replica` of `unit` say, once its host ports are chosen. */
export function instanceLabels(unit: DesiredUnit, replica: number, generation: number, ports: Readonly<Record<string, number>>): InstanceLabels {
  const spec = unit.workload.readinessProbe;
  const port = spec && probePort(spec.httpGet.port, unit.workload.ports, ports);
  const readinessProbe: HostProbe | undefined = spec && port !== undefined ? { port, path: spec.httpGet.path, timeoutSeconds: spec.timeoutSeconds } : undefined;
  return {
    key: { service: unit.service, environment: unit.environment, target: unit.target },
    release: unit.release,
    configHash: unit.configHash,
    replica,
    generation,
    ports,
    ...(readinessProbe ? { readinessProbe } : {}),
  };
}

/**
 * The create request of a container. Each port is published as <LOOPBACK>:<port> → <port>/tcp, and
 * the container learns its ports as `PORT`/`PORT_<NAME>` (the same variables as the process
 * runtime, and nothing from the orchestrator's own environment).
 */
export function createOptions(unit: DesiredUnit, labels: InstanceLabels, settings: Pick<ContainerTarget, 'network' | 'restart' | 'resources'>): ContainerCreateOptions {
  const { image, cmd } = containerCommand(unit.workload);
  const env = instanceEnv(unit, labels.replica, labels.ports, {});
  const bindings = Object.fromEntries(Object.values(labels.ports).map((port) => [`${port}/tcp`, [{ HostIp: LOOPBACK, HostPort: String(port) }]]));
  const { memoryMiB, cpus } = settings.resources;
  return {
    name: containerName(labels),
    Image: image,
    ...(cmd ? { Cmd: cmd } : {}),
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    Labels: encodeLabels(labels),
    ExposedPorts: Object.fromEntries(Object.keys(bindings).map((port) => [port, {}])),
    HostConfig: {
      PortBindings: bindings,
      RestartPolicy: { Name: settings.restart },
      // An init process as PID 1 forwards SIGTERM, so a program not written to run as PID 1 still stops gracefully.
      Init: true,
      ...(settings.network ? { NetworkMode: settings.network } : {}),
      ...(memoryMiB ? { Memory: memoryMiB * 1024 * 1024 } : {}),
      ...(cpus ? { NanoCpus: Math.round(cpus * 1e9) } : {}),
    },
  };
}
