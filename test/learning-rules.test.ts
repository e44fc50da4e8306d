// The learning rules alone: what the book keeps, and which rungs an incident skips.
import { keptAttempts, record } from '../workflows/outcome-book';
import type { OutcomeBook } from '../workflows/outcome-definitions';
import { rungsToSkip } from '../workflows/learning';

const settings = { window: 5, minSample: 3, memoryMs: 3_600_000 };
const now = Date.parse('2026-12-05T12:00:00Z');
const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

function bookOf(runbook: string, outcomes: [recovered: boolean, minutesAgo: number][]): OutcomeBook {
  const book: OutcomeBook = {};
  outcomes.forEach(([recovered, ago], i) => record(book, { signature: 'S', entries: [{ runbook, recovered, at: at(ago), incidentId: `i${i}`, runId: 'r' }] }));
  return book;
}

test('a retried delivery is counted once, another run of the incident again, and only the latest attempts are kept', () => {
  const book = bookOf(
    'a',
    Array.from({ length: keptAttempts + 3 }, (_, i) => [i % 2 === 0, 1] as [boolean, number]),
  );
  record(book, { signature: 'S', entries: [{ runbook: 'a', recovered: true, at: at(0), incidentId: `i${keptAttempts + 2}`, runId: 'r' }] });
  record(book, { signature: 'S', entries: [{ runbook: 'a', recovered: true, at: at(0), incidentId: 'i0', runId: 'another run' }] });
  expect(book.S.a.attempts).toBe(keptAttempts + 4); // the same incident id in another run counts
  expect(book.S.a.recent).toHaveLength(keptAttempts);
  expect(book.S.a.recent[0].incidentId).toBe('i4');
});

test('a rung is skipped after minSample failures in its window, and never when it is the last rung', () => {
  const failing = bookOf('a', [
    [false, 3],
    [false, 2],
    [false, 1],
  ]).S;
  expect(rungsToSkip(['a', 'b'], failing, 'S', settings, now)).toEqual([{ runbook: 'a', because: '0 of 3 recent attempts recovered S' }]);
  expect(rungsToSkip(['b', 'a'], failing, 'S', settings, now)).toEqual([]);
  expect(rungsToSkip(['a', 'b'], failing, 'S', { ...settings, minSample: 4 }, now)).toEqual([]);
});

test('one recovery in the window, or failures older than the memory, keep the rung', () => {
  const outcomes: [boolean, number][] = [
    [true, 6],
    [false, 5],
    [false, 4],
    [false, 3],
    [false, 2],
  ];
  expect(rungsToSkip(['a', 'b'], bookOf('a', outcomes).S, 'S', settings, now)).toEqual([]);
  // A sixth failure pushes the recovery out of the window.
  expect(rungsToSkip(['a', 'b'], bookOf('a', [...outcomes, [false, 1]]).S, 'S', settings, now)).toHaveLength(1);
  const old = bookOf('a', [
    [false, 120],
    [false, 90],
    [false, 1],
  ]).S;
  expect(rungsToSkip(['a', 'b'], old, 'S', settings, now)).toEqual([]);
});
