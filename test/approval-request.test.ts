// A runbook's own approval terms can make the policy's approval stricter, never laxer, once they are asked together.
import type { SafetyPolicy } from '../common/types';
import { approvalRequest } from '../workflows/kit/approval-request';

const policy: SafetyPolicy['approval'] = { severities: ['critical'], risks: ['high'], approvers: ['alice', 'bob'], quorum: 1, timeout: '15m' };

test("alone, a runbook's approval takes its own terms, and the policy's where it gives none", () => {
  expect(approvalRequest(policy, 'promote?', { approvers: ['mallory'], quorum: 2, timeout: '1h' })).toEqual({
    reason: 'promote?',
    approvers: ['mallory'],
    quorum: 2,
    timeout: '1h',
  });
  expect(approvalRequest(policy, 'promote?', {})).toEqual({ reason: 'promote?', approvers: ['alice', 'bob'], quorum: 1, timeout: '15m' });
});

test("with the policy's approval in it, only the policy's approvers count, the larger quorum and the shorter timeout hold", () => {
  const due = { liftable: false };
  expect(approvalRequest(policy, 'x', { approvers: ['mallory', 'bob'], quorum: 0, timeout: '1h' }, due)).toEqual({
    reason: 'x',
    approvers: ['bob'],
    quorum: 1,
    timeout: '15m',
    liftable: false,
  });
  expect(approvalRequest(policy, 'x', { quorum: 2, timeout: '5m' }, due)).toEqual({ reason: 'x', approvers: ['alice', 'bob'], quorum: 2, timeout: '5m', liftable: false });
  expect(approvalRequest(policy, 'x', { approvers: ['mallory'] }, { liftable: true })).toMatchObject({ approvers: [], liftable: true });
});
