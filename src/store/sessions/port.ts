// express-session's sessions, shared by every app process.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export interface SessionRecord {
  sid: string;
  agentId: string | null;
  data: string;
  expiresAt: string;
}

export interface SessionRepo {
  /** Expired sessions are never returned. */
  get(sid: string, now: Date): Promise<SessionRecord | null>;
  set(record: SessionRecord): Promise<void>;
  touch(sid: string, expiresAt: string): Promise<void>;
  destroy(sid: string): Promise<void>;
  destroyByAgent(agentId: string): Promise<number>;
  purgeExpired(now: Date): Promise<number>;
}
