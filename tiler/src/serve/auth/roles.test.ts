import { describe, expect, it } from 'vitest';
import { canSee, ROLES, VISIBILITIES } from './roles.js';

describe('canSee', () => {
  it('is the documented matrix: planner and operator side by side, admin sees all', () => {
    const table = Object.fromEntries(
      ROLES.map((role) => [role, VISIBILITIES.filter((v) => canSee(role, v))]),
    );
    expect(table).toEqual({
      public: ['public'],
      planner: ['public', 'planner'],
      operator: ['public', 'operator'],
      admin: ['public', 'planner', 'operator', 'admin'],
    });
  });
});
