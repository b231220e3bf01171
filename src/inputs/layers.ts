/** Loading the layer files a project names: each checked on its own, all problems reported together. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidInputError, type InputIssue } from '../errors.js';
import { LayerFile } from './layer-schema.js';
import type { ProjectFile } from './schema.js';
import { invalid, parseYaml, type ParsedYaml } from './yaml-file.js';

/** A valid layer file with positions. */
export type Layer = ParsedYaml<LayerFile>;

const entryKind = (path: readonly PropertyKey[]) => (path.length === 1 && path[0] === 'environments' ? 'environment' : undefined);

/**
 * Reads every layer of `project` (paths relative to `projectDir`). Throws one `InvalidInputError`
 * with the issues of all files, a missing file positioned at its entry in the project file.
 */
export async function loadLayers(project: ParsedYaml<ProjectFile>, projectDir: string): Promise<Layer[]> {
  const issues: InputIssue[] = [];
  const layers: Layer[] = [];
  for (const [index, path] of project.value.layers.entries()) {
    const file = resolve(projectDir, path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      issues.push({ ...project.locate(['layers', index]), path: `layers[${index}]`, message: `no layer file at ${file}` });
      continue;
    }
    try {
      layers.push(parseYaml(LayerFile, text, file, { entryKind }));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw invalid(issues);
  return layers;
}
