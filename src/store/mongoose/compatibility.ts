// What the app needs of a MongoDB deployment, checked once when it connects, so that a deployment
// that cannot work stops at start with one line saying what is wrong and how to fix it, instead of
// running and losing the guarantees below in production.

/** The fields of MongoDB's `hello` reply that the check reads. */
export interface HelloReply {
  /** Present when the server is a member of a replica set. */
  setName?: string;
  /** 'isdbgrid' when the app talks to a mongos router of a sharded cluster. */
  msg?: string;
}

/**
 * Why the app cannot run on this server, or null when it can. Every write commits together with
 * its search-index change row, consent approval writes its grant and answer together, and both need
 * multi-document transactions: a replica set (one member is enough) or a sharded cluster.
 */
export function mongoCompatibilityProblem(hello: HelloReply): string | null {
  if (hello.setName || hello.msg === 'isdbgrid') return null;
  return 'MongoDB at MONGODB_URI is a standalone server, but the app needs a replica set for transactions: '
    + 'start mongod with --replSet rs0, run rs.initiate() once (one member is enough), and add ?replicaSet=rs0 to MONGODB_URI '
    + '(docs/operations.md, "MongoDB").';
}
