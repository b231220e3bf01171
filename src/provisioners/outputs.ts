/**
 * Recorded outputs and their secrets: secret outputs live in the secret store under names derived
 * from the resource, and records hold only `secret:<name>` references to them.
 */
import { stableHash } from '../desired/hash.js';
import { resolveSecretRefs, secretRef, secretRefName, type ResolvedSecrets, type SecretStore } from '../secrets/index.js';
import type { ResourceRecord } from '../store/types.js';

/** What provisioning needs of the secret store. */
export type SecretAccess = Pick<SecretStore, 'get' | 'set' | 'remove'>;

/** Prefix of the secrets that hold provisioned resources' secret outputs. */
export const RESOURCE_SECRET_PREFIX = 'resource.';

/**
 * The secret name for output `output` of resource `uid` in `environment`:
 * `resource.<environment>.<readable uid>-<hash>.<output>`, always a valid secret name.
 */
export function outputSecretName(environment: string, uid: string, output: string): string {
  const readable = (text: string, max: number) => text.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, max);
  return `${RESOURCE_SECRET_PREFIX}${readable(environment, 30)}.${readable(uid, 40)}-${stableHash([environment, uid]).slice(0, 8)}.${readable(output, 30)}`;
}

/**
 * Stores `secrets` in the secret store and returns `outputs` with a `secret:` reference for each.
 * Secrets from `previous` outputs no longer returned are removed. Idempotent.
 */
export async function storeOutputs(
  secrets: SecretAccess,
  resource: { environment: string; uid: string },
  result: { outputs: Readonly<Record<string, string>>; secrets?: Readonly<Record<string, string>> },
  previous: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const outputs: Record<string, string> = { ...result.outputs };
  for (const [output, value] of Object.entries(result.secrets ?? {})) {
    const name = outputSecretName(resource.environment, resource.uid, output);
    await secrets.set(name, value);
    outputs[output] = secretRef(name);
  }
  const kept = new Set(Object.values(outputs));
  for (const value of Object.values(previous)) if (!kept.has(value)) await removeOwnedSecret(secrets, value);
  return outputs;
}

/** Removes the secrets a record's outputs refer to that provisioning created. Idempotent. */
export async function removeOutputSecrets(secrets: SecretAccess, outputs: Readonly<Record<string, string>>): Promise<void> {
  for (const value of Object.values(outputs)) await removeOwnedSecret(secrets, value);
}

/** A record's outputs with secret references resolved, and the secret values, for a `Redactor`. */
export function resolveOutputs(record: Pick<ResourceRecord, 'uid' | 'outputs'>, secrets: Pick<SecretAccess, 'get'>): Promise<ResolvedSecrets> {
  return resolveSecretRefs(record.outputs, secrets, `resource ${record.uid} output`);
}

/** Resolved outputs by the name one service gives each resource: for `${resources.<name>.<output>}`. */
export interface ServiceOutputs {
  readonly outputs: Record<string, Readonly<Record<string, string>>>;
  readonly secretValues: string[];
}

/** The outputs of every recorded resource `service` uses, by its name for it, secrets resolved. */
export async function serviceResourceOutputs(service: string, records: readonly ResourceRecord[], secrets: Pick<SecretAccess, 'get'>): Promise<ServiceOutputs> {
  const outputs: Record<string, Readonly<Record<string, string>>> = {};
  const secretValues: string[] = [];
  for (const record of records) {
    const uses = record.usedBy.filter((user) => user.service === service);
    if (uses.length === 0) continue;
    const resolved = await resolveOutputs(record, secrets);
    secretValues.push(...resolved.secretValues);
    for (const use of uses) outputs[use.resource] = resolved.env;
  }
  return { outputs, secretValues };
}

async function removeOwnedSecret(secrets: SecretAccess, value: string): Promise<void> {
  const name = secretRefName(value);
  if (name?.startsWith(RESOURCE_SECRET_PREFIX)) await secrets.remove(name);
}
