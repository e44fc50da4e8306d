// What Kubernetes activities return to workflows: small summaries, never whole objects. No Node imports.

export interface ObjectRef {
  kind: string;
  name: string;
  uid: string;
}

export interface PodState {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  node?: string;
  /** The controller that owns the pod (ReplicaSet, StatefulSet, DaemonSet, ...). */
  controller?: ObjectRef;
  restarts: number;
  /** Why a container is not running, e.g. CrashLoopBackOff. */
  waitingReason?: string;
  /** How a container last ended, e.g. OOMKilled or Error. */
  lastTermination?: { reason: string; exitCode: number; at?: string };
  conditions: { type: string; status: string; reason?: string }[];
  createdAt?: string;
}

export interface DeploymentState {
  namespace: string;
  name: string;
  uid: string;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  /** Pods of every revision, old ones included. */
  totalReplicas: number;
  generation: number;
  observedGeneration: number;
  revision: number;
  available: boolean;
}

export interface Revision {
  revision: number;
  replicaSet: string;
  createdAt?: string;
  replicas: number;
}

export interface NodeState {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  pods: PodState[];
}

export interface KubeEvent {
  reason: string;
  message: string;
  count: number;
  at?: string;
}

/** What a verification waits for. */
export type KubeCondition =
  | { kind: 'pod-replaced'; namespace: string; controller: ObjectRef; oldUid: string }
  | { kind: 'deployment-ready'; namespace: string; name: string; atLeast?: number; replicaSet?: string }
  | { kind: 'node-drained'; node: string; controllers: (ObjectRef & { namespace: string })[] };

/** Facts the diagnosis gathers; runbooks choose by them (see k8s-pod-restart). */
export type KubeFacts =
  | {
      kind: 'pod';
      pod: PodState | null;
      /** The workload that owns the pod, e.g. { kind: 'Deployment', name: 'web' }. */
      workload?: { kind: string; name: string };
      rollout?: RolloutFacts;
      events: KubeEvent[];
    }
  | { kind: 'deployment'; deployment: DeploymentState | null; revisions: Revision[]; events: KubeEvent[] }
  | { kind: 'node'; node: (Omit<NodeState, 'pods'> & { pods: number }) | null };

export interface RolloutFacts {
  deployment: string;
  revision: number;
  /** When the newest ReplicaSet was created. */
  startedAt?: string;
  /** The diagnosed pod belongs to the newest revision. */
  podOnLatestRevision: boolean;
  /** How long before the fault the rollout started (negative: after it). */
  secondsBeforeFault?: number;
}
