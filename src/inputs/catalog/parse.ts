/**
 * Reading a Backstage `catalog-info.yaml`: one or more YAML documents, of which the `Component`
 * entities are kept (each with the means to position later problems) and the other kinds noted.
 */
import type { InputIssue } from '../../errors.js';
import { YamlSource, type Problem } from '../yaml-source.js';
import { invalid } from '../yaml-file.js';
import { checkDocument } from '../zod-issues.js';
import { ComponentEntity, ResourceEntity } from './schema.js';

/** A `Component` entity of a catalog file. */
export interface CatalogComponent {
  /** The catalog file as given to `parseCatalogInfo`. */
  readonly file: string;
  readonly entity: ComponentEntity;
  /** The position of a value of this entity's document (or of the nearest one that exists). */
  locate(problem: Problem): InputIssue;
}

/** What a catalog file holds for Slipway. */
export interface CatalogInfo {
  readonly components: readonly CatalogComponent[];
  /** The `Resource` entities, for the Components' `dependsOn` (skipped all the same: they are listed in `notes`). */
  readonly resources: readonly ResourceEntity[];
  /** One line per entity skipped for not being a Component: `file:line:column: skipped API "orders-api" …`. */
  readonly notes: readonly string[];
}

/**
 * Parses the text of a catalog file; `file` names it in issues. Pure. Throws `InvalidInputError`
 * with every issue of every document (syntax, a Component that Backstage would refuse, or no
 * Component at all); entities of other kinds are skipped with a note, empty documents silently.
 */
export function parseCatalogInfo(text: string, file: string): CatalogInfo {
  const components: CatalogComponent[] = [];
  const resources: ResourceEntity[] = [];
  const notes: string[] = [];
  const issues: InputIssue[] = [];
  const sources = YamlSource.parseAll(text, file);
  for (const source of sources) {
    const data = source.syntaxIssues().length === 0 ? source.value() : undefined;
    const value = data && 'value' in data ? data.value : undefined;
    if (data && value == null) continue;
    const other = otherKind(value);
    if (other) {
      const { line, column } = source.locate({ path: ['kind'], message: '' });
      notes.push(`${file}:${line}:${column}: skipped ${other}: only Components become services`);
      const resource = ResourceEntity.safeParse(value);
      if (resource.success) resources.push(resource.data);
      continue;
    }
    const checked = checkDocument(source, ComponentEntity);
    if (checked.value === undefined) issues.push(...checked.issues);
    else components.push({ file, entity: checked.value, locate: (problem) => source.locate(problem) });
  }
  if (issues.length === 0 && components.length === 0) {
    const found = notes.length > 0 ? ` (skipped ${notes.length} of other kinds)` : '';
    issues.push(sources[0]!.locate({ path: [], message: `expected a Component entity${found}` }));
  }
  if (issues.length > 0) throw invalid(issues);
  return { components, resources, notes };
}

/** `API "orders-api"` for an entity of another kind than Component; undefined otherwise. */
function otherKind(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('kind' in value)) return undefined;
  const { kind, metadata } = value as { kind: unknown; metadata?: { name?: unknown } };
  if (typeof kind !== 'string' || kind.toLowerCase() === 'component') return undefined;
  const name = typeof metadata?.name === 'string' ? ` ${JSON.stringify(metadata.name)}` : '';
  return `${kind}${name}`;
}
