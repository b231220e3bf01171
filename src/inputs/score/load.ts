/**
 * Loading a Score workload file: YAML with positions, the Score schema, then the conversion into
 * a Slipway service. Every problem is reported together, each with file, line and column.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { InputIssue } from '../../errors.js';
import type { Service } from '../schema.js';
import { YamlSource, type EntryKind, type Problem } from '../yaml-source.js';
import { invalid } from '../yaml-file.js';
import { checkDocument } from '../zod-issues.js';
import { convertScore } from './convert.js';
import { ScoreWorkload } from './schema.js';
import { unsendableProbeFields } from './sendable.js';
import { scoreOrigins, type ScoreOrigins } from './origins.js';

/** A schema-valid Score file, with the means to position problems found in it later. */
export interface ScoreDocument {
  /** The file as given to `parseScore`. */
  readonly file: string;
  readonly spec: ScoreWorkload;
  /** The position of a value of the file (or of the nearest one that exists). */
  locate(problem: Problem): InputIssue;
}

const entryKinds: Record<string, string> = { containers: 'container', resources: 'resource', 'service.ports': 'port' };
const entryKind: EntryKind = (mapPath) => entryKinds[mapPath.join('.')];

/**
 * Parses and checks the text of a Score file against the Score schema, then its probes against what
 * an HTTP client can send (`sendable.ts`); `file` names it in issues. Pure. Throws `InvalidInputError` with every issue.
 */
export function parseScore(text: string, file: string): ScoreDocument {
  const source = YamlSource.parse(text, file);
  const checked = checkDocument(source, ScoreWorkload, { entryKind, check: unsendableProbeFields });
  if (checked.value === undefined) throw invalid(checked.issues);
  return { file, spec: checked.value, locate: (problem) => source.locate(problem) };
}

/** A service made from a Score file, and where in the file each of its fields was set. */
export interface ScoreService {
  readonly name: string;
  readonly service: Service;
  readonly origins: ScoreOrigins;
}

/**
 * The Slipway service a Score file describes, named by its `metadata.name`. `projectDir` is the
 * absolute directory of the project file (`image: .` becomes an artifact path relative to it).
 * Pure. Throws `InvalidInputError` with every field Slipway cannot honour, positioned in the Score file.
 */
export function scoreToService(score: ScoreDocument, options: { readonly projectDir: string }): ScoreService {
  const conversion = convertScore(score.spec, { file: resolve(score.file), projectDir: resolve(options.projectDir) });
  if (!('service' in conversion)) throw invalid(conversion.problems.map((problem) => score.locate(problem)));
  return { name: conversion.name, service: conversion.service, origins: scoreOrigins(score) };
}

/**
 * Reads a Score file (relative to the working directory or absolute) and converts it as
 * `scoreToService` does. Throws `InvalidInputError` when it is invalid, and the read error when
 * it cannot be read. `read` reads it (by its absolute path).
 */
export async function loadScoreFile(file: string, projectDir: string, read = (path: string) => readFile(path, 'utf8')): Promise<ScoreService> {
  const path = resolve(file);
  return scoreToService(parseScore(await read(path), path), { projectDir });
}
