// Activities of the incident itself: the policy it runs under, the facts it diagnoses, the people it escalates to.
import { log } from '@temporalio/activity';
import type { Diagnosis, NotificationSettings, SafetyPolicy, Severity } from '../common/types';
import { learningSettings } from '../config/learning-schema';
import type { MendConfig } from '../config/schema';
import type { LearningSettings } from '../workflows/learning';
import { nonRetryable } from './errors';
import { notifyTimeoutMs } from './notify';

export interface IncidentSettings {
  policy: SafetyPolicy;
  searchAttributes: boolean;
  /** Absent when no sink is configured (and in histories recorded before notifications). */
  notifications?: NotificationSettings;
  /** Absent when incidents do not skip failing rungs (and in histories recorded before learning). */
  learning?: LearningSettings;
}

/** Diagnoses a target of one kind, given its name (the target without "kind/"). */
export type Diagnoser = (input: { name: string; faultStartedAt: string }) => Promise<Diagnosis>;

export function incidentActivities(config: MendConfig, diagnosers: Map<string, Diagnoser>) {
  return {
    /** What an incident runs under: the safety policy, and whether to tag it with search attributes. */
    async incidentSettings(): Promise<IncidentSettings> {
      const { sinks, progressEvery } = config.notifications;
      const notifications = Object.keys(sinks).length ? { uiUrl: config.temporal.uiUrl, progressEvery, sendTimeout: notifyTimeoutMs(config.notifications) } : undefined;
      const learning = config.learning.skipFailingRungs ? learningSettings(config.learning) : undefined;
      return { policy: config.policy, searchAttributes: config.temporal.searchAttributes, notifications, learning };
    },

    /** Facts about the target, by its kind, from the pack that diagnoses that kind. */
    async diagnose({ target, faultStartedAt }: { target: string; faultStartedAt?: string }): Promise<Diagnosis> {
      const slash = target.indexOf('/');
      const diagnoser = diagnosers.get(target.slice(0, slash));
      const name = target.slice(slash + 1);
      if (slash < 0 || !diagnoser || !name) throw nonRetryable(`no diagnosis for target "${target}"`);
      return diagnoser({ name, faultStartedAt: faultStartedAt ?? new Date().toISOString() });
    },

    /** Hands the incident to people: logged here; the incident also sends an `escalated` notice to the sinks. */
    async escalate(input: { incidentId: string; target: string; severity: Severity; reason: string }): Promise<void> {
      log.warn('incident escalated to people', input);
    },
  };
}
