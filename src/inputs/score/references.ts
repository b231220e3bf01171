/**
 * The placeholders of a Score file, checked and partly resolved at load time: `${metadata.…}` is
 * replaced by the metadata value; `${resources.<name>.<output>}` is checked (the resource must be
 * declared) and kept for deploy time, when provisioners know the outputs; where nothing is kept for
 * deploy time (command, args) `$$` escapes are undone at once. Pure.
 */
import type { Problem } from '../yaml-source.js';
import { unknownName } from '../suggest.js';
import { PlaceholderError, parsePlaceholders, substituteKnown, type Placeholder } from './placeholders.js';

/** What placeholders in one Score file may refer to. */
export interface TemplateContext {
  /** The file's `metadata`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Names of the file's `resources`. */
  readonly resources: readonly string[];
}

/** Where a text sits in the file, and whether resource outputs may be used there. */
export interface TemplateSite {
  readonly path: readonly PropertyKey[];
  /** False where nothing resolves resource outputs at deploy time (command, args): the text is then final at load. */
  readonly resourcesAllowed: boolean;
}

/**
 * `text` with `${metadata.…}` resolved. Where resource outputs may be used (`site.resourcesAllowed`)
 * everything else is kept as written, escapes included: still a template, which deploy time
 * finishes. Elsewhere (command, args) nothing resolves later, so the text returned is final: `$$`
 * is undone into `$` (`sh -c "echo $${DB_URL}"` runs `echo ${DB_URL}`). Every problem found (malformed text, an unknown metadata key or resource, a resource output
 * where none can be used, an unknown root) is appended to `problems`, positioned at `site.path`.
 */
export function resolveTemplate(text: string, site: TemplateSite, context: TemplateContext, problems: Problem[]): string {
  let parts;
  try {
    parts = parsePlaceholders(text);
  } catch (error) {
    if (!(error instanceof PlaceholderError)) throw error;
    problems.push({ path: site.path, message: error.message });
    return text;
  }
  for (const part of parts) {
    if (part.kind === 'placeholder') {
      const message = placeholderProblem(part, site, context);
      if (message) problems.push({ path: site.path, message });
    }
  }
  const lookup = (path: readonly string[]): string | undefined => (path[0] === 'metadata' ? metadataValue(context.metadata, path.slice(1)) : undefined);
  if (site.resourcesAllowed) return substituteKnown(text, lookup);
  // Nothing fills this text later, so it is final now: `$$` becomes `$` (a placeholder found wrong above stays as written).
  return parts.map((part) => (part.kind === 'text' ? part.text : (lookup(part.path) ?? part.source))).join('');
}

/** `value` with `resolveTemplate` applied to every string inside it, at any depth. */
export function resolveTemplates(value: unknown, site: TemplateSite, context: TemplateContext, problems: Problem[]): unknown {
  if (typeof value === 'string') return resolveTemplate(value, site, context, problems);
  if (Array.isArray(value)) return value.map((item, index) => resolveTemplates(item, { ...site, path: [...site.path, index] }, context, problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTemplates(item, { ...site, path: [...site.path, key] }, context, problems)]));
  }
  return value;
}

function placeholderProblem(placeholder: Placeholder, site: TemplateSite, context: TemplateContext): string | undefined {
  const [root, name, ...rest] = placeholder.path;
  const where = `in ${placeholder.source}`;
  if (root === 'metadata') {
    if (name === undefined) return `${where}: expected a metadata key, as in \${metadata.name}`;
    if (metadataValue(context.metadata, placeholder.path.slice(1)) !== undefined) return undefined;
    const parent = metadataAt(context.metadata, placeholder.path.slice(1, -1));
    const keys = typeof parent === 'object' && parent !== null ? Object.keys(parent) : [];
    return `${where}: ${unknownName('metadata key', placeholder.path.at(-1) ?? '', keys)}`;
  }
  if (root === 'resources') {
    if (name === undefined || rest.length === 0) return `${where}: expected a resource and one of its outputs, as in \${resources.db.host}`;
    if (!context.resources.includes(name)) return `${where}: ${unknownName('resource', name, context.resources)}`;
    if (!site.resourcesAllowed) return `${where}: resource outputs are resolved only in variables and resource params; set a variable to it and read that`;
    return undefined;
  }
  return `unknown placeholder ${placeholder.source}: expected \${metadata.…} or \${resources.…}; write $\${ for a literal \${`;
}

/** The metadata value at `path`; undefined when there is none. */
function metadataAt(metadata: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = metadata;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The metadata value at `path` as text (maps and lists as JSON, as Score does); undefined when there is none. */
function metadataValue(metadata: Readonly<Record<string, unknown>>, path: readonly string[]): string | undefined {
  const value = metadataAt(metadata, path);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
