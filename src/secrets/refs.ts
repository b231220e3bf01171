/**
 * Resolving `secret:<name>` references at deploy time.
 */
import { UnresolvedSecretError, type SecretReferenceProblem } from './errors.js';
import { isSecretName, secretRefName } from './names.js';
import type { SecretReader } from './secret-store.js';

export interface ResolvedSecrets {
  /** The values with every reference replaced by the secret's value; other values as given. */
  readonly env: Record<string, string>;
  /** The distinct values substituted, for a `Redactor`. */
  readonly secretValues: string[];
}

/**
 * Replaces every value that is exactly `secret:<name>` with that secret's value. Throws
 * `UnresolvedSecretError` listing every reference to a missing or invalid name, naming the key
 * (`<label> <key>`, e.g. `env var DATABASE_URL`) and the secret, never a value.
 */
export async function resolveSecretRefs(env: Readonly<Record<string, string>>, secrets: SecretReader, label = 'env var'): Promise<ResolvedSecrets> {
  const resolved: Record<string, string> = {};
  const secretValues = new Set<string>();
  const problems: SecretReferenceProblem[] = [];
  for (const [key, value] of Object.entries(env)) {
    const name = secretRefName(value);
    if (name === undefined) {
      resolved[key] = value;
      continue;
    }
    const where = `${label} ${key}`;
    if (!isSecretName(name)) {
      problems.push({ where, secret: name, problem: 'invalid-name' });
      continue;
    }
    const secret = await secrets.get(name);
    if (secret === undefined) problems.push({ where, secret: name, problem: 'not-set' });
    else {
      resolved[key] = secret;
      secretValues.add(secret);
    }
  }
  if (problems.length > 0) throw new UnresolvedSecretError(problems);
  return { env: resolved, secretValues: [...secretValues] };
}
