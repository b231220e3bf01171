/**
 * What a deployment needs besides its release: the environment's resources, provisioned (never
 * deleted here: deleting happens only when a person applies a plan that says so), and the unit's
 * env with `${resources.…}` outputs and `secret:` references filled in and `$$` escapes undone. The values exist only on
 * the way to the runtime: plans, records and events keep the references.
 */
import { resolveProjectService, unitId, type DesiredUnit } from '../desired/index.js';
import type { ResolvedContainer } from '../desired/types.js';
import {
  applyResourcePlan,
  applyResourceRounds,
  builtinProvisioners,
  envIsTemplate,
  planResources,
  requestResources,
  resolveResourcePlaceholders,
  serviceResourceOutputs,
  withoutDeletes,
  type AppliedStep,
  type ResourcePlan,
} from '../provisioners/index.js';
import type { Redactor} from '../secrets/index.js';
import { SecretStore, loadSecretKey, resolveSecretRefs } from '../secrets/index.js';
import type { Workspace } from './workspace.js';

/** The workspace's secret store; the key is read (or made) only when a value is. */
export function secretStore(ws: Workspace): SecretStore {
  return new SecretStore(ws.store, () => loadSecretKey({ stateDir: ws.stateDir }));
}

/**
 * What every service of the project asks of `environment`, against what is recorded: create,
 * update, delete. A workload of `units` is addressed at the host its target was last seen running
 * it on (`observedHost`).
 */
export async function resourcePlan(ws: Workspace, environment: string, units: readonly DesiredUnit[] = []): Promise<ResourcePlan> {
  const services = Object.fromEntries(
    Object.keys(ws.project.spec.services).map((name) => [name, resolveProjectService(ws.project, name, environment).spec]),
  );
  const provisioners = ws.project.layers.flatMap((layer) => layer.value.provisioners);
  const records = await ws.store.listResources({ environment });
  const requested = requestResources({
    environment,
    services,
    provisioners,
    workloads: units.map((u) => ({ service: u.service, host: observedHost(ws, u), ports: u.workload.ports })),
    registry: builtinProvisioners({ cwd: ws.project.dir }),
    recorded: Object.fromEntries(records.map((record) => [record.uid, record.outputs])),
  });
  return planResources(requested, records);
}

/**
 * The host of the unit's first ready instance (else its first instance) in what its target was
 * last seen running (a deployment has just observed it); this machine, `127.0.0.1`, while none was seen there.
 */
function observedHost(ws: Workspace, unit: DesiredUnit): string {
  const instances = ws.observations.last(unit.target)?.units.find((o) => unitId(o) === unitId(unit))?.instances ?? [];
  return (instances.find((i) => i.state === 'ready') ?? instances[0])?.host ?? '127.0.0.1';
}

/**
 * Applies the plan; with `deletes: false` (every deployment) only its creates and updates.
 * Secret outputs go to the secret store; `redactor` learns every secret value it handles. While
 * the plan has resources waiting for outputs it provisions (params that use another resource's
 * outputs), it is made again with `replan` and applied again, until none waits or a round changes nothing.
 */
export async function applyResources(
  ws: Workspace,
  plan: ResourcePlan,
  options: { deletes: boolean; redactor: Redactor; onProgress?: (message: string) => void; replan?: () => Promise<ResourcePlan> },
): Promise<AppliedStep[]> {
  const context = { records: ws.store, secrets: secretStore(ws), registry: builtinProvisioners({ cwd: ws.project.dir }), redactor: options.redactor, onProgress: options.onProgress };
  const only = (next: ResourcePlan) => (options.deletes ? next : withoutDeletes(next));
  const replan = options.replan;
  if (!replan) return applyResourcePlan(only(plan), context);
  return applyResourceRounds(only(plan), context, async () => only(await replan()));
}

/**
 * The unit as the runtime must see it: resource outputs and secrets in the env of each of its
 * containers, resource outputs in the content of its files (those without `noExpand`) and in the
 * sources of its volumes. Same `configHash`.
 */
export async function materialize(ws: Workspace, unit: DesiredUnit, redactor: Redactor): Promise<DesiredUnit> {
  const { workload } = unit;
  const containers: ResolvedContainer[] = [workload, ...Object.values(workload.sidecars ?? {})];
  const texts = containers.flatMap((c) => [...(c.files ?? []).filter((f) => !f.noExpand).map((f) => f.content ?? ''), ...(c.volumes ?? []).map((v) => v.source)]);
  const needsResources = containers.some((c) => envIsTemplate(c.env)) || texts.some((v) => v.includes('${resources.'));
  const needsSecrets = containers.some((c) => Object.values(c.env).some((v) => v.startsWith('secret:')));
  if (!needsResources && !needsSecrets) return unit;
  const secrets = secretStore(ws);
  let outputs: Parameters<typeof resolveResourcePlaceholders>[1] = {};
  if (needsResources) {
    const found = await serviceResourceOutputs(unit.service, await ws.store.listResources({ environment: unit.environment }), secrets);
    redactor.add(...found.secretValues);
    outputs = found.outputs;
  }
  const fill = (values: Readonly<Record<string, string>>) => (needsResources ? resolveResourcePlaceholders(values, outputs) : { ...values });
  const container = async <C extends ResolvedContainer>(c: C, name?: string): Promise<C> => {
    const resolved = await resolveSecretRefs(fill(c.env), secrets, name ? `env var of container ${name}:` : 'env var');
    redactor.add(...resolved.secretValues);
    const files = c.files?.map((file) => (file.noExpand ? file : { ...file, content: fill({ [`file ${file.target}`]: file.content ?? '' })[`file ${file.target}`] }));
    const volumes = c.volumes?.map((volume) => ({ ...volume, source: fill({ [`volume ${volume.target}`]: volume.source })[`volume ${volume.target}`]! }));
    return { ...c, env: resolved.env, ...(files && { files }), ...(volumes && { volumes }) };
  };
  const sidecars = workload.sidecars && Object.fromEntries(await Promise.all(Object.entries(workload.sidecars).map(async ([name, c]) => [name, await container(c, name)] as const)));
  return { ...unit, workload: { ...(await container(workload)), ...(sidecars && { sidecars }) } };
}
