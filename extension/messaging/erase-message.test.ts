import { describe, expect, it } from 'vitest';
import { MESSAGE_DATA } from './message-schemas.js';

const schema = MESSAGE_DATA.eraseHistory;

describe('the eraseHistory message', () => {
  it.each([
    [{ site: 'example.com' }],
    [{ site: '[::1]' }],
    [{ fromDay: '2025-01-14', toDay: '2025-01-15' }],
    [{ site: 'example.com', fromDay: '2025-01-15', toDay: '2025-01-15' }],
  ])('takes %j', (data) => {
    expect(schema.safeParse(data).success).toBe(true);
  });

  it.each([
    [{}, 'a site, or a range of days'],
    [{ fromDay: '2025-01-14' }, 'a site, or a range of days'],
    [{ fromDay: '2025-01-15', toDay: '2025-01-14' }, 'ends before it starts'],
    [{ site: 'Example.com' }, 'Invalid'],
    [{ site: 'example.com/path' }, 'Invalid'],
    [{ fromDay: '15/01/2025', toDay: '2025-01-15' }, 'Invalid'],
    [{ site: 'example.com', all: true }, 'Unrecognized'],
  ])('refuses %j', (data, message) => {
    const parsed = schema.safeParse(data);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});
