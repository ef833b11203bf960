// What each agent opened lately (the home page's "recent" list).
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export type RecentKind = 'user' | 'org' | 'device';

/** A record an agent opened, for the home page's "recent" list. */
export interface RecentItem { agentId: string; kind: RecentKind; id: string; openedAt: string }

/**
 * What each agent opened lately, kept per agent (so it follows the agent across browsers and app
 * processes). It holds only references: whoever lists them checks that the agent may still see each.
 */
export interface RecentRepo {
  /** Opening the same record again moves it to the top (one entry per agent, kind and id); only the agent's `keep` newest stay. */
  record(item: RecentItem, keep: number): Promise<void>;
  /** The agent's entries, newest first, at most `limit`. */
  list(agentId: string, limit: number): Promise<RecentItem[]>;
}
