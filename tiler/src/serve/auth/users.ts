import { randomUUID } from 'node:crypto';
import { InputError } from '../../errors.js';
import { readJsonFile, writePrivateFile } from './files.js';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password.js';
import { isRole, type Role } from './roles.js';

/**
 * Local users: `{ "users": [{ id, name, role, hash, createdAt }] }` in a JSON file outside the
 * served data folder (`BDTWIN_USERS`, default `build/auth/users.json`), Argon2id hashes only.
 * Without a file the store lives in memory (tests). Re-read from disk when the file changes, so
 * `bdtwin users add` takes effect on a running service.
 */

export interface StoredUser {
  id: string;
  name: string;
  role: Role;
  /** Argon2id PHC string. */
  hash: string;
  createdAt: string;
}

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;

export class UserStore {
  private users: StoredUser[] = [];
  private loadedText = '';

  private constructor(readonly file: string | undefined) {}

  /** Opens the store (an empty one when the file does not exist yet). */
  static async open(file?: string): Promise<UserStore> {
    const store = new UserStore(file);
    await store.reload();
    return store;
  }

  async reload(): Promise<void> {
    if (!this.file) return;
    const json = (await readJsonFile(this.file)) as { users?: unknown } | undefined;
    const text = JSON.stringify(json ?? null);
    if (text === this.loadedText) return;
    this.users = json === undefined ? [] : validateUsers(json, this.file);
    this.loadedText = text;
  }

  list(): readonly StoredUser[] {
    return this.users;
  }

  get size(): number {
    return this.users.length;
  }

  byId(id: string): StoredUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  byName(name: string): StoredUser | undefined {
    const key = name.normalize('NFC').toLowerCase();
    return this.users.find((u) => u.name.toLowerCase() === key);
  }

  /** Adds a user, or replaces the password and role of an existing one. */
  async upsert(name: string, role: Role, password: string): Promise<StoredUser> {
    if (!NAME.test(name)) throw new Error(`user name "${name}" must be 1–64 letters, digits, . _ @ -`);
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new Error(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    await this.reload();
    const hash = await hashPassword(password);
    const existing = this.byName(name);
    const user: StoredUser = existing
      ? { ...existing, role, hash }
      : { id: randomUUID(), name: name.normalize('NFC'), role, hash, createdAt: new Date().toISOString() };
    this.users = [...this.users.filter((u) => u.id !== user.id), user];
    await this.save();
    return user;
  }

  async remove(name: string): Promise<boolean> {
    await this.reload();
    const user = this.byName(name);
    if (!user) return false;
    this.users = this.users.filter((u) => u.id !== user.id);
    await this.save();
    return true;
  }

  /**
   * The user when name and password match, else undefined. Costs one Argon2 verification either
   * way, so neither the answer nor its timing says whether the name exists.
   */
  async authenticate(name: string, password: string): Promise<StoredUser | undefined> {
    await this.reload().catch(() => {});
    const user = this.byName(name);
    const ok = await verifyPassword(user?.hash ?? (await dummyHash()), password);
    return user && ok ? user : undefined;
  }

  private async save(): Promise<void> {
    const json = { users: this.users };
    this.loadedText = JSON.stringify(json);
    if (this.file) await writePrivateFile(this.file, `${JSON.stringify(json, null, 2)}\n`);
  }
}

function validateUsers(json: { users?: unknown }, file: string): StoredUser[] {
  if (!json || typeof json !== 'object' || !Array.isArray(json.users))
    throw new InputError(file, 'must be {"users": [...]}');
  return json.users.map((u: Partial<StoredUser>, i) => {
    for (const key of ['id', 'name', 'hash'] as const) {
      if (typeof u[key] !== 'string' || !u[key])
        throw new InputError(file, `user #${i} needs a string "${key}"`);
    }
    if (!isRole(u.role)) throw new InputError(file, `user #${i} has role ${JSON.stringify(u.role)}`);
    if (!u.hash!.startsWith('$argon2'))
      throw new InputError(file, `user #${i} hash is not an Argon2 PHC string`);
    return u as StoredUser;
  });
}
