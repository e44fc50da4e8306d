// Driving the Temporal Web UI as an operator does, in Debian's Chromium through playwright-core: open a workflow,
// read its summary and current details, and send a signal through the UI's own "Send a Signal" dialog.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { provisionedChromium, root, scratchDir } from './processes';
import { waitFor } from './wait';

/** Screenshots the tests keep (CI keeps this folder as an artifact). */
export const artifactsDir = join(root, 'test-artifacts');

export interface Browser {
  page: Page;
  close(): Promise<void>;
}

export async function startBrowser(): Promise<Browser> {
  const profile = scratchDir('chromium-');
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: provisionedChromium(),
    headless: true,
    // The machine's network is closed: no background traffic, no sandbox as root.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // The UI renders its action bar once per breakpoint; a wide window shows the desktop one.
    viewport: { width: 1440, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a workflow's page; resolves once the UI has read its signal definitions from the running worker. */
export async function openWorkflow(page: Page, uiUrl: string, workflowId: string): Promise<void> {
  const metadata = page.waitForResponse((r) => r.url().includes('__temporal_workflow_metadata') && r.ok());
  await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  await page.getByTestId('workflow-id-heading').filter({ hasText: workflowId }).waitFor();
  await metadata;
}

/** The rows (as text) of the UI's workflow list for a visibility query, e.g. on mend's search attributes. */
export async function listWorkflows(page: Page, uiUrl: string, query: string): Promise<string[]> {
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  const rows = page.getByTestId('workflows-summary-configurable-table-row');
  await rows.first().waitFor();
  return rows.allInnerTexts();
}

/** The Markdown blocks of the User Metadata tab, as text: summary, details, current details. */
export async function userMetadata(page: Page): Promise<{ summary: string; details: string; current: string }> {
  await page.getByRole('tab', { name: 'User Metadata' }).click();
  const frames = page.locator('main iframe[title="output"]');
  await frames.nth(2).waitFor();
  const [summary, details, current] = await Promise.all([0, 1, 2].map((i) => frames.nth(i).contentFrame().locator('body').innerText()));
  await page.getByRole('tab', { name: /^History/ }).click();
  return { summary, details, current };
}

/** Sends a signal with a JSON payload through "More Actions → Send a Signal", screenshotting the filled dialog. */
export async function sendSignal(page: Page, name: string, payload: unknown, screenshot?: string): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  await dialog.getByTestId('signal-select-button').click(); // the signals the workflow defines, with descriptions
  await dialog.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  const editor = dialog.locator('.cm-content');
  await editor.fill(JSON.stringify(payload));
  // Leaving the editor pretty-prints the JSON and grows the dialog: let it settle before Submit moves.
  await editor.blur();
  await waitFor(async () => (await editor.locator('.cm-line').count()) > 1, 'the payload to be formatted');
  if (screenshot) {
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, screenshot) });
  }
  await dialog.getByTestId('confirm-modal-button').click();
  await page.getByText('Workflow signaled.').waitFor();
  await dialog.waitFor({ state: 'hidden' });
}
