// The alerts behind an incident: which fire and which resolved. Notifications repeat, and may arrive late or twice.
import type { AlertNotice } from '../common/types';
import type { AlertDelivery, AlertState, AlertsView } from './definitions';

type KnownAlert = AlertNotice & { lastNotifiedAt: string };

export class AlertBook {
  private readonly alerts = new Map<string, KnownAlert>();
  private notifications = 0;
  /** Why the alert is no longer firing, once it resolved (until it fires again). */
  resolution?: string;

  constructor(private readonly key: string) {}

  get firing(): boolean {
    for (const a of this.alerts.values()) if (a.status === 'firing') return true;
    return false;
  }

  /** Applies a notification; returns the new state when it turns the incident's alert off or on again. */
  record(delivery: AlertDelivery): AlertState | undefined {
    const known = this.alerts.size > 0;
    const before = this.firing;
    this.notifications++;
    for (const notice of delivery.alerts) this.apply(notice, delivery.receivedAt);
    const after = this.firing;
    if (!known || before === after) return undefined;
    const changed = delivery.alerts.filter((n) => n.status === (after ? 'firing' : 'resolved'));
    const names = [...new Set(changed.map((n) => n.name))].join(', ');
    const detail = after ? `${names} firing again since ${changed[0].startsAt}` : `${names} resolved${changed[0].endsAt ? ` at ${changed[0].endsAt}` : ''}`;
    this.resolution = after ? undefined : detail;
    return { firing: after, detail };
  }

  view(): AlertsView {
    return { key: this.key, firing: this.firing, notifications: this.notifications, alerts: [...this.alerts.values()] };
  }

  private apply(notice: AlertNotice, at: string): void {
    const known = this.alerts.get(notice.fingerprint);
    if (known && isStale(known, notice)) {
      known.lastNotifiedAt = at;
      return;
    }
    this.alerts.set(notice.fingerprint, { ...notice, lastNotifiedAt: at });
  }
}

/** An earlier occurrence, or a firing of the occurrence already resolved (a late retry), changes nothing. */
function isStale(known: AlertNotice, notice: AlertNotice): boolean {
  const knownStart = Date.parse(known.startsAt);
  const start = Date.parse(notice.startsAt);
  if (start !== knownStart) return start < knownStart;
  return known.status === 'resolved' && notice.status === 'firing';
}
