// The example pack's crash test under `mend test --crash`: its restart survives a kill at every step (the harness
// found it restarting the service twice; it now checks first).
import { examplePackCli } from './helpers/cli';

test("mend test --crash runs the pack's crash test: every point of service-restart starts the service once", async () => {
  const crashed = await examplePackCli('test', '.', '--crash', '--', '--ci');
  expect(crashed.stderr).toMatch(/Tests: {7}1 passed, 1 total/);
  expect(crashed.stderr).toMatch(/\[crash\] 6 points/);
}, 700_000); // longer than the pack's own crash test (600 s), so its process tree is never left behind
