/**
 * API tokens: who may call the HTTP API, with which role, in which environments. A token is
 * `slw_<random>`, shown once when it is created; the store keeps only its SHA-256, so a copy of
 * the database lets no one in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Json } from './database.js';
import { ConflictError } from '../errors.js';
import { TokenName, checkName } from '../inputs/name.js';

/** What a token may do: read; deploy (and promote, roll back, stop); approve; everything. */
export type Role = 'viewer' | 'deployer' | 'approver' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'deployer', 'approver', 'admin'];

/** A token as it may be shown: never its secret or its hash. */
export interface TokenInfo {
  readonly name: string;
  readonly role: Role;
  /** The environments a deployer or approver may act in; empty means every environment. */
  readonly environments: readonly string[];
  /** The groups its approvals count for ("sre", "security"). */
  readonly groups: readonly string[];
  readonly createdBy: string;
  readonly createdAt: Date;
}

export interface NewToken {
  readonly name: string;
  readonly role: Role;
  readonly environments?: readonly string[];
  readonly groups?: readonly string[];
  readonly createdBy: string;
}

/** A change to the tokens, for the audit log: who created or revoked which token. */
export interface TokenChange {
  readonly action: 'created' | 'revoked';
  readonly name: string;
  readonly actor: string;
  /** The role of a created token. */
  readonly role?: Role;
}

/** The audit event of a token change (never the secret). */
export function tokenChangeEvent(change: TokenChange): { type: string; actor: string; message: string; data: Record<string, unknown> } {
  const what = change.action === 'created' ? `created API token ${change.name} (${change.role})` : `revoked API token ${change.name}`;
  return { type: `token.${change.action}`, actor: change.actor, message: `${change.actor} ${what}`, data: { name: change.name, ...(change.role && { role: change.role }) } };
}

export interface TokenStore {
  /**
   * Creates a token and returns its secret, which is never available again. `ConflictError` when a
   * token of that name exists (revoked names may be reused); `InvalidNameError` when the name breaks `TokenName`.
   */
  createToken(token: NewToken): Promise<{ secret: string; info: TokenInfo }>;
  /** By name; never secrets or hashes. */
  listTokens(): Promise<TokenInfo[]>;
  /** True when there was a token of that name; it lets no one in from now on. */
  revokeToken(name: string): Promise<boolean>;
  /** The token a secret belongs to; undefined for an unknown or revoked one. Reads only. */
  authenticate(secret: string): Promise<TokenInfo | undefined>;
}

export interface ApiTokenTable {
  name: string;
  hash: string;
  role: Role;
  environments: Json<string[]>;
  groups: Json<string[]>;
  created_by: string;
  created_at: Date;
}

/** The tables the token store needs. */
export interface TokenTables {
  api_tokens: ApiTokenTable;
}

/** `0006_api_tokens`: API tokens by name, with the SHA-256 of their secret. */
export const apiTokensMigration: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('api_tokens')
      .addColumn('name', sql`text collate "C"`, (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'deployer', 'approver', 'admin')`))
      .addColumn('environments', 'jsonb', (c) => c.notNull())
      .addColumn('groups', 'jsonb', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};

/** The prefix every token starts with, so that scanners and people recognise one. */
export const TOKEN_PREFIX = 'slw_';

/** SHA-256 of a token's secret, hex: what the store keeps. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new token secret: the prefix and 32 random bytes, base64url. */
export function generateTokenSecret(random: (size: number) => Buffer = randomBytes): string {
  return TOKEN_PREFIX + random(32).toString('base64url');
}

/** Tokens in the store's database (PostgreSQL or PGlite), through Kysely. */
export class KyselyTokenStore implements TokenStore {
  constructor(
    private readonly db: Kysely<TokenTables>,
    private readonly now: () => Date = () => new Date(),
    private readonly newSecret: () => string = generateTokenSecret,
  ) {}

  async createToken(token: NewToken): Promise<{ secret: string; info: TokenInfo }> {
    checkName(TokenName, 'token name', token.name);
    const secret = this.newSecret();
    const row = {
      name: token.name,
      hash: hashToken(secret),
      role: token.role,
      environments: JSON.stringify(token.environments ?? []),
      groups: JSON.stringify(token.groups ?? []),
      created_by: token.createdBy,
      created_at: this.now(),
    };
    const inserted = await this.db.insertInto('api_tokens').values(row).onConflict((oc) => oc.column('name').doNothing()).returningAll().executeTakeFirst();
    if (!inserted) throw new ConflictError(`a token named "${token.name}" exists already; revoke it first or choose another name`);
    return { secret, info: toInfo(inserted) };
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.db.selectFrom('api_tokens').selectAll().orderBy('name').execute()).map(toInfo);
  }

  async revokeToken(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_tokens').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async authenticate(secret: string): Promise<TokenInfo | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.db.selectFrom('api_tokens').selectAll().where('hash', '=', hashToken(secret)).executeTakeFirst();
    return row && toInfo(row);
  }
}

function toInfo(row: Selectable<ApiTokenTable>): TokenInfo {
  return { name: row.name, role: row.role, environments: row.environments, groups: row.groups, createdBy: row.created_by, createdAt: row.created_at };
}
