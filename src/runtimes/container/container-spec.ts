/**
 * The Docker Engine API requests that create one replica's containers, and the files they mount.
 * Pure. A replica is its first container, which owns the network namespace and publishes every
 * port (on `LOOPBACK`), and one container per sidecar, created with `NetworkMode: container:<first>`:
 * they reach each other on localhost, as the containers of a Kubernetes pod or of a score-compose
 * service with its sidecars (`network_mode: service:…`) do. Podman's pods would do the same, but
 * the Docker-compatible API has none. Sidecars start after the first container, unless `before`
 * orders them (`start-plan.ts`): a step (run to completion) that starts before it has a network of
 * its own, and is never restarted by the engine.
 */
import { join } from 'node:path';
import type { ContainerCreateOptions } from 'dockerode';
import type { DesiredUnit, ResolvedContainer } from '../../desired/types.js';
import type { Probe } from '../../inputs/schema.js';
import { cpuCores, memoryBytes } from '../../desired/quantities.js';
import { instanceEnv } from '../kit/instance-env.js';
import { LOOPBACK, probePort } from '../kit/ports.js';
import { containerCommand } from './image-ref.js';
import { encodeLabels, type HostProbe, type InstanceLabels, type LivenessProbe } from './labels.js';
import type { ContainerTarget } from './settings.js';
import { stepNames } from './start-plan.js';

/** The container name of a replica's generation: `slipway.<target>.<environment>.<service>.<replica>.<generation>[.<sidecar>]`. */
export function containerName(instance: Pick<InstanceLabels, 'key' | 'replica' | 'generation' | 'sidecar'>): string {
  const { key, replica, generation, sidecar } = instance;
  return `slipway.${key.target}.${key.environment}.${key.service}.${replica}.${generation}${sidecar ? `.${sidecar}` : ''}`;
}

/** The container `sidecar` names in the unit's workload (absent: the first one). */
export function containerOf(unit: DesiredUnit, sidecar?: string): ResolvedContainer | undefined {
  return sidecar === undefined ? unit.workload : unit.workload.sidecars?.[sidecar];
}

/** What the labels of replica `replica` of `unit` say, once its host ports are chosen; with `sidecar`, of that container. */
export function instanceLabels(unit: DesiredUnit, replica: number, generation: number, ports: Readonly<Record<string, number>>, sidecar?: string): InstanceLabels {
  const container = containerOf(unit, sidecar);
  const steps = stepNames(unit.workload);
  const readinessProbe = container?.readinessProbe && hostProbe(container.readinessProbe, unit, ports);
  const liveness = container?.livenessProbe;
  const livenessHostProbe = liveness && hostProbe(liveness, unit, ports);
  const livenessProbe: LivenessProbe | undefined = liveness && livenessHostProbe && {
    ...livenessHostProbe,
    initialDelaySeconds: liveness.initialDelaySeconds,
    periodSeconds: liveness.periodSeconds,
    failureThreshold: liveness.failureThreshold,
  };
  return {
    key: { service: unit.service, environment: unit.environment, target: unit.target },
    release: unit.release,
    configHash: unit.configHash,
    replica,
    generation,
    ports,
    ...(readinessProbe ? { readinessProbe } : {}),
    ...(livenessProbe ? { livenessProbe } : {}),
    ...(sidecar !== undefined ? { sidecar } : {}),
    ...(sidecar !== undefined && steps.includes(sidecar) ? { step: true } : {}),
    ...(sidecar === undefined && unit.workload.sidecars ? { sidecars: Object.keys(unit.workload.sidecars).filter((name) => !steps.includes(name)) } : {}),
    ...(sidecar === undefined && steps.length > 0 ? { steps } : {}),
  };
}

/** A probe of the workload as the runtime runs it, its port resolved to the host port; undefined when it names no port of the workload. */
function hostProbe(spec: Probe, unit: DesiredUnit, ports: Readonly<Record<string, number>>): HostProbe | undefined {
  if ('exec' in spec) return { exec: spec.exec.command, timeoutSeconds: spec.timeoutSeconds };
  const port = probePort(spec.httpGet.port, unit.workload.ports, ports);
  const headers = spec.httpGet.httpHeaders;
  return port === undefined ? undefined : { port, path: spec.httpGet.path, ...(headers?.length && { headers }), timeoutSeconds: spec.timeoutSeconds };
}

/** Port name → the port the container listens on: its `targetPort`, else the host port itself. */
export function containerPorts(unit: DesiredUnit, hostPorts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(hostPorts).map(([name, port]) => [name, unit.workload.portDetails?.[name]?.targetPort ?? port]));
}

/** A file to write on this machine before its container is created, and mount read-only. */
export interface HostFile {
  /** Absolute path on this machine, under the container's files directory. */
  readonly path: string;
  readonly data: Buffer;
  /** Permission bits (the file's `mode`, default 0644); the directory above is 0700. */
  readonly mode: number;
}

/**
 * The files of a container, each at `<filesDir>/<index>`: `content` as UTF-8 (already filled in by
 * the deployment), `binaryContent` decoded from base64.
 */
export function hostFiles(container: ResolvedContainer, filesDir: string): (HostFile & { readonly target: string })[] {
  return (container.files ?? []).map((file, index) => ({
    path: join(filesDir, String(index)),
    target: file.target,
    data: file.binaryContent !== undefined ? Buffer.from(file.binaryContent, 'base64') : Buffer.from(file.content ?? '', 'utf8'),
    mode: file.mode ? Number.parseInt(file.mode, 8) : 0o644,
  }));
}

/**
 * The create request of one container of a replica: the first (no `labels.sidecar`) publishes each
 * port as <LOOPBACK>:<host port> → <target port>/<tcp|udp>; a sidecar joins `networkOf`, the first
 * container's id (without it, a step that starts before the first has the target's network); a
 * step is never restarted by the engine. Each learns its ports as `PORT`/`PORT_<NAME>` (the ports it listens on; the same
 * variables as the process runtime, and nothing from the orchestrator's own environment). Files
 * are bind-mounted read-only from `filesDir`; a volume whose source is an absolute path is that
 * directory of this machine, any other an engine volume (created when missing, kept after).
 * Limits and requests are the container's, else the target's `resources`.
 */
export function createOptions(
  unit: DesiredUnit,
  labels: InstanceLabels,
  settings: Pick<ContainerTarget, 'network' | 'restart' | 'resources'>,
  place: { readonly filesDir: string; readonly networkOf?: string } = { filesDir: '/nonexistent' },
): ContainerCreateOptions {
  const container = containerOf(unit, labels.sidecar);
  if (!container) throw new TypeError(`no container ${labels.sidecar} in the workload`);
  const { image, entrypoint, cmd } = containerCommand(container);
  const listen = containerPorts(unit, labels.ports);
  const env = instanceEnv({ ...unit, workload: { ...unit.workload, env: container.env } }, labels.replica, listen, {});
  // A sidecar publishes nothing (its first container does); on the host's network there is nothing to publish.
  const bindings = labels.sidecar || settings.network === 'host'
    ? {}
    : Object.fromEntries(
        Object.entries(labels.ports).map(([name, port]) => [`${listen[name]}/${unit.workload.portDetails?.[name]?.protocol === 'UDP' ? 'udp' : 'tcp'}`, [{ HostIp: LOOPBACK, HostPort: String(port) }]]),
      );
  const files = hostFiles(container, place.filesDir).map((file) => `${file.path}:${file.target}:ro`);
  const mounts = (container.volumes ?? []).map((volume) => ({
    Type: volume.source.startsWith('/') ? ('bind' as const) : ('volume' as const),
    Source: volume.source,
    Target: volume.target,
    ReadOnly: volume.readOnly ?? false,
  }));
  const { memoryMiB, cpus } = settings.resources;
  const memory = container.limits?.memory !== undefined ? memoryBytes(container.limits.memory) : memoryMiB && memoryMiB * 1024 * 1024;
  const cpu = container.limits?.cpu !== undefined ? cpuCores(container.limits.cpu) : cpus;
  const network = labels.sidecar && place.networkOf ? `container:${place.networkOf}` : settings.network;
  return {
    name: containerName(labels),
    Image: image,
    ...(entrypoint ? { Entrypoint: entrypoint } : {}),
    ...(cmd ? { Cmd: cmd } : {}),
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    Labels: encodeLabels(labels),
    ...(labels.sidecar ? {} : { ExposedPorts: Object.fromEntries(Object.keys(bindings).map((port) => [port, {}])) }),
    HostConfig: {
      ...(labels.sidecar ? {} : { PortBindings: bindings }),
      RestartPolicy: { Name: labels.step ? 'no' : settings.restart },
      // An init process as PID 1 forwards SIGTERM, so a program not written to run as PID 1 still stops gracefully.
      Init: true,
      ...(network ? { NetworkMode: network } : {}),
      ...(files.length > 0 ? { Binds: files } : {}),
      ...(mounts.length > 0 ? { Mounts: mounts } : {}),
      ...(memory ? { Memory: Math.round(memory) } : {}),
      ...(cpu ? { NanoCpus: Math.round(cpu * 1e9) } : {}),
      ...(container.requests?.memory !== undefined ? { MemoryReservation: Math.round(memoryBytes(container.requests.memory)) } : {}),
      ...(container.requests?.cpu !== undefined ? { CpuShares: Math.max(2, Math.round(cpuCores(container.requests.cpu) * 1024)) } : {}),
    },
  };
}
