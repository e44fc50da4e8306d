// Safety-policy decisions made in workflow code.
import type { Risk, SafetyPolicy, Severity } from '../common/types';

export function approvalReason(policy: SafetyPolicy, severity: Severity, risk: Risk): string | undefined {
  const reasons: string[] = [];
  if (policy.approval.severities.includes(severity)) reasons.push(`severity ${severity}`);
  if (policy.approval.risks.includes(risk)) reasons.push(`${risk}-risk runbook`);
  return reasons.length ? `policy requires approval (${reasons.join(', ')})` : undefined;
}
