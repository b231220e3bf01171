/** Loading the layer files a project names: each checked on its own, all problems reported together. */
import { resolve } from 'node:path';
import { InvalidInputError, type InputIssue } from '../errors.js';
import { LayerFile } from './layer-schema.js';
import type { ReadText } from './load.js';
import type { ProjectFile } from './schema.js';
import { invalid, parseYaml, type ParsedYaml } from './yaml-file.js';

/** A valid layer file with positions. */
export type Layer = ParsedYaml<LayerFile>;

const entryKind = (path: readonly PropertyKey[]) => (path.length === 1 && path[0] === 'environments' ? 'environment' : undefined);

/**
 * Reads every layer of `project` (paths relative to `projectDir`) through `read`. Throws one `InvalidInputError`
 * with the issues of all files, a missing file positioned at its entry in the project file.
 */
export async function loadLayers(project: ParsedYaml<ProjectFile>, projectDir: string, read: ReadText): Promise<Layer[]> {
  const issues: InputIssue[] = [];
  const layers: Layer[] = [];
  for (const [index, path] of project.value.layers.entries()) {
    const file = resolve(projectDir, path);
    let text: string;
    try {
      text = await read(file);
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
