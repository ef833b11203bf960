// The start-up check of a MongoDB deployment (src/store/mongoose/compatibility.ts), decided from the
// server's `hello` reply: no server needed. MongooseStore.connect throws its answer, and main.ts
// prints that one line and exits 1.
import { mongoCompatibilityProblem } from '../../src/store/mongoose/compatibility';

describe('MongoDB start-up compatibility', () => {
  test('when the server is a standalone mongod, then start-up is refused with one line naming the problem and the fix', () => {
    const problem = mongoCompatibilityProblem({ isWritablePrimary: true, maxWireVersion: 25 } as never);

    expect(problem).not.toBeNull();
    expect(problem).not.toContain('\n');
    expect(problem).toMatch(/standalone/);
    expect(problem).toMatch(/replica set/);
    expect(problem).toContain('--replSet');
    expect(problem).toContain('rs.initiate()');
    expect(problem).toContain('?replicaSet=rs0');
  });

  test('when the server is a replica set member (one member is enough), then the app starts', () => {
    expect(mongoCompatibilityProblem({ setName: 'rs0' })).toBeNull();
  });

  test('when the app talks to a mongos router of a sharded cluster, then the app starts (it has transactions too)', () => {
    expect(mongoCompatibilityProblem({ msg: 'isdbgrid' })).toBeNull();
  });
});
