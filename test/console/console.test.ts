import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BAKERY, BOOKS, COFFEE, HARBOUR, LIVE_CHAT, MEMBERSHIP, REVIEWS, STORE_LOCATOR, expectOk, seedWith, startHarness, type Harness } from "../emulator/harness";

// The console in a real browser: headless Chromium, driven by playwright-core, against an emulator whose seed adds
// thousands of generated accounts, as a platform's fleet has.

const root = join(__dirname, "..", "..");
const screenshot = join(root, "docs", "console.png");
/** What the issue asks of the page: a change made through WeChat's API shows without a reload within a second. */
const LIVE_MS = 1000;

let h: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The browser the machine has, or Debian's chromium installed now; never a skip.
  const { stdout } = await promisify(execFile)(join(root, "scripts", "ensure-chromium.sh"), { timeout: 540_000 });
  const executablePath = stdout.trim().split("\n").at(-1)!;
  browser = await chromium.launch({ executablePath });
  h = await startHarness({ seed: seedWith((seed) => (seed.generate = { miniPrograms: 2000, officialAccounts: 200 })) });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

beforeEach(async () => {
  await h.emulator.reset();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${h.url}/__emulator/console`);
  await page.getByRole("status").getByText("live", { exact: true }).waitFor();
  await page.getByText("Nothing waits for a person.").waitFor();
  // Gone after a reload: each test checks that the page it ends with is the one it loaded.
  await page.evaluate("window.loadedOnce = true");
});
afterEach(async () => {
  expect(await page.evaluate("window.loadedOnce")).toBe(true);
  await page.close();
});

const waiting = (text: string): Locator => page.locator("#waiting > li").filter({ hasText: text });
const worldRow = (account: string): Locator => page.locator(".account").filter({ has: page.locator(".head", { hasText: account }) });
const apply = async (miniProgram: string, plugin: string, reason = "") =>
  expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: plugin, reason }, await h.stableToken(miniProgram)));
const invite = async (miniProgram: string) =>
  expectOk(await h.post("/cgi-bin/wxopen/wxamplink", { appid: miniProgram, notify_users: 1, show_profile: 0 }, await h.stableToken(HARBOUR)));

describe("the people", () => {
  it("shows an application made through WeChat's API as pending without a reload, and approves it as the plugin developer", async () => {
    await apply(COFFEE, STORE_LOCATOR, "store locator");
    const item = waiting("Harbour Coffee applies for Store Locator");
    await item.waitFor({ timeout: LIVE_MS });
    expect(await item.textContent()).toMatch(/waiting for the plugin developer.*47 h 59 min left/);
    expect(await worldRow("Harbour Coffee").textContent()).toMatch(/Store Locator.*waiting for the plugin developer.*47 h 59 min left/);

    await item.getByRole("button", { name: "Approve", exact: true }).click();
    await item.waitFor({ state: "detached", timeout: LIVE_MS });
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ appId: COFFEE, pluginAppId: STORE_LOCATOR, status: 2 })]);
    await worldRow("Harbour Coffee").getByText("approved").waitFor({ timeout: LIVE_MS });
  });

  it("refuses an application, and shows a quick update's version", async () => {
    await apply(BAKERY, MEMBERSHIP);
    await waiting("Corner Bakery applies for Membership Card").getByRole("button", { name: "Refuse", exact: true }).click();
    await worldRow("Corner Bakery").getByText("refused by the plugin developer").waitFor({ timeout: LIVE_MS });
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ pluginAppId: MEMBERSHIP, status: 3 })]);

    await apply(BAKERY, REVIEWS);
    const authorizer = await h.authorizerToken(BAKERY);
    expectOk(await h.post("/wxa/plugin", { action: "update", plugin_appid: REVIEWS, user_version: "1.0.0" }, authorizer));
    await worldRow("Corner Bakery").getByText("version 1.0.0").waitFor({ timeout: LIVE_MS });
  });

  it("answers an invitation as the official account's admin, then as the mini program's, and confirms an unlink", async () => {
    await invite(BOOKS);
    const invitation = waiting("Harbour Group invites Riverside Books");
    await invitation.getByText("waiting for the official account's admin").waitFor({ timeout: LIVE_MS });
    await invitation.getByRole("button", { name: "Accept as official account admin" }).click();
    await invitation.getByRole("button", { name: "Accept as mini program admin" }).click();
    await invitation.waitFor({ state: "detached", timeout: LIVE_MS });
    expect((await h.state()).links).toEqual([expect.objectContaining({ miniProgramAppId: BOOKS, status: 1, unlinkPending: false })]);
    await worldRow("Harbour Group").getByText("linked", { exact: true }).waitFor();

    expectOk(await h.post("/cgi-bin/wxopen/wxampunlink", { appid: BOOKS }, await h.stableToken(HARBOUR)));
    const unlink = waiting("Harbour Group unlinks Riverside Books");
    await unlink.getByRole("button", { name: "Confirm unlink" }).click();
    await unlink.waitFor({ state: "detached", timeout: LIVE_MS });
    expect((await h.state()).links).toEqual([]);
  });

  it("shows what the emulator refuses, such as an answer nobody waits for any more", async () => {
    await apply(COFFEE, STORE_LOCATOR);
    const approve = waiting("Harbour Coffee applies for Store Locator").getByRole("button", { name: "Approve", exact: true });
    await approve.waitFor({ timeout: LIVE_MS });
    // Answered elsewhere before the click reaches the emulator.
    await page.route("**/__emulator/plugins/answer", async (route) => {
      await h.client.answerPluginApplication({ pluginAppId: STORE_LOCATOR, miniProgramAppId: COFFEE, accept: false });
      await route.continue();
    });
    await approve.click();
    await page.getByRole("alert").getByText(/no pending application from .* \(WeChat's 89240\)/).waitFor();
  });
});

describe("the operator", () => {
  it("advances the clock by the presets: 49 hours time a pending application out", async () => {
    await apply(COFFEE, STORE_LOCATOR);
    await waiting("Harbour Coffee applies for Store Locator").waitFor({ timeout: LIVE_MS });
    const before = Date.parse((await h.state()).now);
    await page.getByRole("button", { name: "Advance the clock 1 h" }).click();
    await page.getByText("(1 h ahead of real time)").waitFor({ timeout: LIVE_MS });
    expect(await waiting("Harbour Coffee applies for Store Locator").textContent()).toMatch(/46 h 59 min left/);

    await page.getByRole("button", { name: "Advance the clock 49 h" }).click();
    await page.getByText("(50 h ahead of real time)").waitFor({ timeout: LIVE_MS });
    await worldRow("Harbour Coffee").getByText("timed out: nobody answered in 48 h").waitFor({ timeout: LIVE_MS });
    const state = await h.state();
    expect(Date.parse(state.now) - before).toBeGreaterThanOrEqual(50 * 3600 * 1000);
    expect(state.bindings).toEqual([expect.objectContaining({ status: 4 })]);
  });

  it("adds a fault whose failed call is marked in the log, filters the log, and clears the faults", async () => {
    const form = page.locator("#fault-form");
    await form.getByLabel("Path").selectOption("/wxa/plugin");
    await form.getByLabel("Action").fill("list");
    await form.getByLabel("Account").fill(COFFEE);
    await form.getByLabel("errcode").fill("45009");
    await form.getByLabel("Times").fill("1");
    await form.getByRole("button", { name: "Add fault" }).click();
    await page.locator("#faults").getByText("action list · account wxc0ffee0000000001 · errcode 45009 · 1 more call").waitFor({ timeout: LIVE_MS });

    const coffee = await h.stableToken(COFFEE);
    expect((await h.post("/wxa/plugin", { action: "list" }, coffee)).errcode).toBe(45009);
    expectOk(await h.post("/wxa/plugin", { action: "list" }, await h.stableToken(BAKERY)));
    const failed = page.locator("#log tr").filter({ hasText: "45009" });
    await failed.waitFor({ timeout: LIVE_MS });
    expect(await failed.getAttribute("class")).toBe("failed");
    expect(await failed.textContent()).toMatch(/\/wxa\/plugin.*list.*wxc0ffee0000000001.*45009.*failed.*fault #1/);
    // Used up: the fault left the table.
    await page.locator("#faults").getByText("No faults").waitFor({ timeout: LIVE_MS });
    // Newest first: Corner Bakery's list, then the failed one.
    expect(await page.locator("#log tr").nth(0).textContent()).toContain(BAKERY);

    await page.getByLabel("Filter the log by account").fill(COFFEE);
    await expect.poll(() => page.locator("#log tr").filter({ hasText: BAKERY }).count()).toBe(0);
    expect(await page.locator("#log tr").allTextContents()).toEqual([expect.stringContaining("45009"), expect.stringContaining("stable_token")]);
    await page.getByLabel("Filter the log by path").selectOption("/wxa/plugin");
    await expect.poll(() => page.locator("#log tr").filter({ hasText: "stable_token" }).count()).toBe(0);
    expect(await page.locator("#log tr").count()).toBe(1);

    await h.client.addFault({ path: "/wxa/plugin", httpStatus: 502 });
    await page.locator("#faults").getByText("HTTP 502").waitFor({ timeout: LIVE_MS });
    await page.getByRole("button", { name: "Clear faults" }).click();
    await page.locator("#faults").getByText("No faults").waitFor({ timeout: LIVE_MS });
  });

  it("resets to the seed: no entries, no calls", async () => {
    await apply(COFFEE, LIVE_CHAT);
    await worldRow("Harbour Coffee").getByText("approved").waitFor({ timeout: LIVE_MS });
    await page.getByRole("button", { name: "Reset to the seed" }).click();
    await page.getByText("No calls yet.").waitFor({ timeout: LIVE_MS });
    await page.locator("#mini-programs").getByText("Live Chat").waitFor({ state: "detached" });
    expect((await h.state()).bindings).toEqual([]);
  });
});

describe("the world at fleet size", () => {
  it("lists the accounts a run touched first, folds the thousands of others, and finds any of them", async () => {
    await apply(BAKERY, LIVE_CHAT);
    await worldRow("Corner Bakery").getByText("approved").waitFor({ timeout: LIVE_MS });
    expect(await page.locator("#mini-programs-count").textContent()).toBe("1–25 of 2,004");
    expect(await page.locator("#mini-programs > .accounts > li").count()).toBe(1);
    const folded = page.locator("#mini-programs details");
    expect(await folded.locator("summary").textContent()).toBe("24 more mini programs on this page without plugins (2,003 in all)");
    expect(await page.locator("#platform").textContent()).toContain("authorized by 2,004 of 2,004 mini programs, 201 of 201 official accounts");

    await page.getByRole("button", { name: "Next mini programs" }).click();
    await page.locator("#mini-programs-count").getByText("26–50 of 2,004").waitFor();
    await page.getByLabel("Find an account").fill("Mini Program 1999");
    await page.locator("#mini-programs-count").getByText("1–1 of 1 (of 2,004)").waitFor();
    expect(await folded.locator("li").textContent()).toContain("wxf100000000001999");
  });

  it("pictures the console for the README (docs/console.png, when missing or with UPDATE_SCREENSHOT=1)", async () => {
    await apply(COFFEE, STORE_LOCATOR, "store locator on the menu page");
    await apply(COFFEE, LIVE_CHAT);
    await apply(BAKERY, MEMBERSHIP, "loyalty programme");
    await apply(BAKERY, REVIEWS);
    await invite(COFFEE);
    await invite(BOOKS);
    await h.client.confirmLink({ officialAccountAppId: HARBOUR, miniProgramAppId: BOOKS, by: "officialAccount", accept: true });
    await h.client.addFault({ path: "/wxa/plugin", action: "list", appId: COFFEE, errcode: 45009, times: 1 });
    await h.client.addFault({ path: "/cgi-bin/wxopen/wxamplinkget", delayMs: 1500, probability: 0.2 });
    expect((await h.post("/wxa/plugin", { action: "list" }, await h.stableToken(COFFEE))).errcode).toBe(45009);
    expectOk(await h.post("/wxa/plugin", { action: "update", plugin_appid: REVIEWS, user_version: "1.0.0" }, await h.authorizerToken(BAKERY)));
    await worldRow("Corner Bakery").getByText("version 1.0.0").waitFor({ timeout: LIVE_MS });
    expect(await page.locator("#waiting > li").count()).toBe(4);
    if (process.env.UPDATE_SCREENSHOT === "1" || !existsSync(screenshot)) await page.screenshot({ path: screenshot });
  });
});
