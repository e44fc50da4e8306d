// Temporal's runtime logs only warnings and errors (tests, replays). Imported for its effect.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
