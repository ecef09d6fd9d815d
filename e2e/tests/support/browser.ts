import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it): Playwright's own download cannot be reached here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium with nothing that reaches out beyond loopback (this machine's network is closed). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface SignInOptions {
  /** A development user of config/dev-users.json. */
  user: string;
  /** What the user does on the consent page. */
  decision?: 'allow' | 'deny';
  /** Where the authorization server sends the browser back (the client's redirect URI). */
  callbackPrefix: string;
}

/**
 * Plays the user: opens the authorization URL the client produced, picks the user on the
 * login page and allows or denies on the consent page, as a person would with keyboard and
 * mouse (labels and roles, not CSS selectors), and returns the callback URL the browser
 * reached. Each sign-in gets a fresh browser context: no session from an earlier one.
 */
export async function signIn(browser: Browser, authorizationUrl: string | URL, options: SignInOptions): Promise<URL> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(String(authorizationUrl));
    await page.getByRole('radio', { name: new RegExp(`\\(${options.user}\\)`) }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /^Allow / }).waitFor();
    const callback = page.waitForURL((url) => url.href.startsWith(options.callbackPrefix));
    await page.getByRole('button', { name: options.decision === 'deny' ? 'Deny' : 'Allow' }).click();
    await callback;
    return new URL(page.url());
  } finally {
    await context.close();
  }
}
