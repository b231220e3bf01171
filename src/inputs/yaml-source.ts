/**
 * A YAML document parsed with positions: its syntax problems, its duplicate keys, its value, and
 * the line and column of any path in it. Knows nothing of what the document should contain.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Document, ErrorCode, Node, Pair, Scalar, YAMLError } from 'yaml';
import type { InputIssue } from '../errors.js';
import { errorMessage } from '../errors.js';

/** A problem with a value of the document, before it is given a position. */
export interface Problem {
  /** Keys and list indexes from the document's root. */
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Point at the key of the last path segment rather than its value (unknown or misnamed keys). */
  readonly at?: 'key';
}

/** Names what a map at `path` holds, for duplicate messages (`duplicate service "api"`); undefined for plain keys. */
export type EntryKind = (mapPath: readonly PropertyKey[]) => string | undefined;

/** `services.api.workload.ports.http`; list indexes as `targets[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text ? `${text}.${String(segment)}` : String(segment);
  }, '');
}

/** Advice added to the parser's own words, for the mistakes people make most. */
const syntaxHints: Partial<Record<ErrorCode, string>> = {
  BAD_INDENT: 'check the indentation of this line against the lines above it',
  TAB_AS_INDENT: 'indent with spaces',
  MULTIPLE_DOCS: 'expected a single YAML document; remove the "---" line',
  MULTILINE_IMPLICIT_KEY: 'expected a key and its ":" on one line; is a quote or a ":" missing?',
  BLOCK_AS_IMPLICIT_KEY: 'expected a nested map on its own lines, indented under its key',
  BAD_DQ_ESCAPE: 'inside double quotes, write a backslash as \\\\, or use single quotes',
  TAG_RESOLVE_FAILED: 'expected no tags ("!name") in a project file',
};

/** A library's message, lower-cased to follow a position: `unresolved alias …`. */
function sentenceCase(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** An empty value (`key:` with nothing after it) has no text of its own to point at. */
function isEmpty(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text` (never throws); `file` is only used to name it in issues. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    // Duplicate keys are found by `duplicateIssues`, which can say what was duplicated and where first.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    return new YamlSource(file, doc, lines);
  }

  /**
   * Parses every document of a `---`-separated stream (never throws), positions counted from the
   * start of `text`. An empty stream gives one empty document, so there is always one to report on.
   */
  static parseAll(text: string, file: string): YamlSource[] {
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    if (docs.length === 0) return [YamlSource.parse(text, file)];
    return docs.map((doc) => new YamlSource(file, doc, lines));
  }

  /**
   * Problems that leave the document's structure in doubt: YAML syntax errors and warnings, and
   * keys that are maps or lists. When there are any, nothing else about the document can be trusted.
   */
  syntaxIssues(): InputIssue[] {
    const issues = [...this.doc.errors, ...this.doc.warnings].map((error) => this.syntaxIssue(error));
    this.walk(this.doc.contents, [], (key, path) => {
      if (!isScalar(key)) issues.push(this.issueAtNode(key, path.slice(0, -1), `expected a plain key, got ${isAlias(key) ? 'an alias' : 'a map or list'}`));
    });
    return issues;
  }

  /** Keys given twice in one map, each reported where it is repeated, naming the first. */
  duplicateIssues(kindOf: EntryKind): InputIssue[] {
    const issues: InputIssue[] = [];
    const seen = new Map<Node, Map<string, Scalar>>();
    this.walk(this.doc.contents, [], (key, path, map) => {
      if (!isScalar(key)) return;
      const keys = seen.get(map) ?? new Map<string, Scalar>();
      seen.set(map, keys);
      const name = String(key.value);
      const first = keys.get(name);
      if (!first) return void keys.set(name, key);
      const kind = kindOf(path.slice(0, -1)) ?? 'key';
      const firstLine = this.position(first).line;
      issues.push(this.issueAtNode(key, path, `duplicate ${kind} ${JSON.stringify(name)} (first defined at line ${firstLine})`));
    });
    return issues;
  }

  /** The document as plain data, or the issue that prevents it (an unresolved or runaway alias). */
  value(): { readonly value: unknown } | { readonly issue: InputIssue } {
    try {
      return { value: this.doc.toJS({ maxAliasCount: 1000 }) };
    } catch (error) {
      let alias: Node | undefined;
      visit(this.doc, { Alias: (_, node) => void (alias ??= node) });
      return { issue: this.issueAtNode(alias, [], sentenceCase(errorMessage(error))) };
    }
  }

  /** Gives a problem the position of the node at its path, or of the nearest one that exists. */
  locate(problem: Problem): InputIssue {
    let node: unknown = this.doc.contents;
    let key: unknown;
    for (const [index, segment] of problem.path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const pair = isMap(node) ? node.items.findLast((item) => isScalar(item.key) && String(item.key.value) === String(segment)) : undefined;
      const child: unknown = pair ? pair.value : isSeq(node) ? node.items[Number(segment)] : undefined;
      if (!pair && child === undefined) {
        // A missing key is reported on the key of the map that should hold it.
        return this.issueAtNode(key ?? node, problem.path, problem.message);
      }
      const last = index === problem.path.length - 1;
      if (pair && last && (problem.at === 'key' || child == null || isEmpty(child))) return this.issueAtNode(pair.key, problem.path, problem.message);
      key = pair?.key;
      node = child;
    }
    return this.issueAtNode(node, problem.path, problem.message);
  }

  private syntaxIssue(error: YAMLError): InputIssue {
    const unclosed = error.code === 'MISSING_CHAR' && /closing .?quote/.test(error.message) ? this.quotedScalarEndingAt(error.pos[0]) : undefined;
    if (unclosed) {
      const quote = unclosed.type === 'QUOTE_SINGLE' ? "'" : '"';
      return this.issueAtNode(unclosed, [], `unclosed quote: expected a closing ${quote} for the text that starts here`);
    }
    const text = sentenceCase(error.message);
    const hint = syntaxHints[error.code];
    return { file: this.file, ...this.offsetPosition(error.pos[0]), path: '', message: hint ? `${text}; ${hint}` : text };
  }

  private quotedScalarEndingAt(offset: number): Scalar | undefined {
    let found: Scalar | undefined;
    visit(this.doc, {
      Scalar: (_, node) => {
        if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range?.[1] === offset) found = node;
      },
    });
    return found;
  }

  /** Calls `onKey` for every key of every map, depth first, with the key's path and its map. Aliases are not followed. */
  private walk(node: unknown, path: readonly PropertyKey[], onKey: (key: unknown, path: readonly PropertyKey[], map: Node) => void): void {
    if (isMap(node)) {
      for (const pair of node.items as Pair<unknown, unknown>[]) {
        const childPath = [...path, isScalar(pair.key) ? String(pair.key.value) : '?'];
        onKey(pair.key, childPath, node);
        this.walk(pair.value, childPath, onKey);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => this.walk(item, [...path, index], onKey));
    }
  }

  private issueAtNode(node: unknown, path: readonly PropertyKey[], message: string): InputIssue {
    return { file: this.file, ...this.position(node), path: formatPath(path), message };
  }

  private position(node: unknown): { line: number; column: number } {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return this.offsetPosition(range?.[0] ?? 0);
  }

  private offsetPosition(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }
}
