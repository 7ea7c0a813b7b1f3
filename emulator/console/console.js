/* global document, window, EventSource -- ESLint reads .js files as Node code; these are the browser globals this page uses. */
// The emulator's console: reads /__emulator/world, acts through the control surface, and follows
// /__emulator/events, whose `change` events make it read the world again and whose `call` events fill the log.

/** As many calls as the event stream's backlog holds: the log never grows beyond it. */
const LOG_SIZE = 500;
const PAGE_SIZE = 25;

const PLUGIN_STATUS = {
  1: ["waiting for the plugin developer", "waiting"],
  2: ["approved", "good"],
  3: ["refused by the plugin developer", "bad"],
  4: ["timed out: nobody answered in 48 h", "bad"],
};
const LINK_STATUS = {
  1: ["linked", "good"],
  2: ["waiting for the mini program's admin", "waiting"],
  3: ["refused", "bad"],
  12: ["waiting for the official account's admin", "waiting"],
};

const $ = (id) => document.getElementById(id);

/** An element with attributes (`on…` ones are listeners) and children; text is always text, never markup. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

const state = {
  world: undefined,
  /** When the world was read, by this browser's clock: the emulator's time moves on from `world.now` meanwhile. */
  readAt: 0,
  query: { search: "", miniProgramOffset: 0, officialAccountOffset: 0 },
  calls: [],
  unshown: [],
  /** The account lists whose folded accounts are open. */
  unfolded: new Set(),
};

// ---- talking to the emulator

async function request(method, path, body) {
  const response = await fetch(`/__emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

/** Runs a control request from a button, which stays disabled meanwhile; a refusal is shown, not thrown. */
async function act(button, method, path, body) {
  button.disabled = true;
  try {
    await request(method, path, body);
    notice("");
  } catch (error) {
    notice(`${method} /__emulator/${path}: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = text === "";
}

let reading;
let readAgain = false;

/** Reads the world; a burst of changes makes one read in flight and at most one after it. */
function refresh() {
  if (reading) {
    readAgain = true;
    return;
  }
  reading = (async () => {
    do {
      readAgain = false;
      const { search, miniProgramOffset, officialAccountOffset } = state.query;
      const query = new URLSearchParams({ search, miniProgramOffset, officialAccountOffset, limit: PAGE_SIZE });
      try {
        state.world = await request("GET", `world?${query}`);
        state.readAt = Date.now();
        renderWorld();
      } catch (error) {
        notice(`cannot read the world: ${error.message}`);
      }
    } while (readAgain);
  })().finally(() => (reading = undefined));
}

let events;

/** (Re)opens the event stream with the log's filters; the stream starts with the newest matching calls. */
function follow() {
  events?.close();
  const filter = new URLSearchParams();
  const appId = $("log-account").value.trim();
  if (appId) filter.set("appId", appId);
  if ($("log-path").value) filter.set("path", $("log-path").value);
  events = new EventSource(`/__emulator/events?${filter}`);
  events.addEventListener("open", () => {
    live(true);
    // Whatever changed while the stream was down is read now.
    refresh();
  });
  events.addEventListener("error", () => live(false));
  events.addEventListener("change", refresh);
  events.addEventListener("calls", (event) => {
    state.calls = JSON.parse(event.data);
    state.unshown = [];
    renderLog();
  });
  events.addEventListener("call", (event) => {
    state.unshown.unshift(JSON.parse(event.data));
    if (state.unshown.length > LOG_SIZE) state.unshown.length = LOG_SIZE;
    // A burst of calls is drawn once per frame.
    if (state.unshown.length === 1) window.requestAnimationFrame(showNewCalls);
  });
}

function live(connected) {
  $("live").textContent = connected ? "live" : "reconnecting…";
  $("live").classList.toggle("off", !connected);
}

// ---- the world and its people

const nickname = (appId) => state.world?.nicknames[appId] ?? appId;
const emulatorNow = () => Date.parse(state.world.now) + (Date.now() - state.readAt);

function named(appId) {
  const name = nickname(appId);
  return h("span", { class: "name" }, name === appId ? undefined : h("strong", {}, name), " ", h("code", {}, appId));
}

function badge([text, tone]) {
  return h("span", { class: `badge ${tone}` }, text);
}

function timeLeft(expiresAt) {
  return h("span", { class: "left", "data-expires": expiresAt }, describeLeft(expiresAt));
}

function describeLeft(expiresAt) {
  const minutes = Math.max(0, Math.floor((Date.parse(expiresAt) - emulatorNow()) / 60_000));
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min left`;
}

function renderWorld() {
  const world = state.world;
  renderClock();
  renderWaiting(world.waiting);
  renderAccounts("mini-programs", world.miniPrograms, "miniProgramOffset", "mini programs", miniProgramRow, (account) => account.plugins.length === 0);
  renderAccounts("official-accounts", world.officialAccounts, "officialAccountOffset", "official accounts", officialAccountRow, (account) => account.links.length === 0);
  renderPlatform(world);
  renderPlugins(world.plugins);
  renderFaults(world);
}

function renderClock() {
  $("now").textContent = formatTime(emulatorNow(), true);
  const hours = state.world.aheadSeconds / 3600;
  $("ahead").textContent = hours > 0 ? `(${Number(hours.toFixed(1))} h ahead of real time)` : "";
}

function renderWaiting({ applications, links }) {
  const total = applications.total + links.total;
  $("waiting-count").textContent = total ? String(total) : "";
  const items = [
    ...applications.items.map(applicationItem),
    ...links.items.map(linkItem),
    applications.total > applications.items.length && h("li", { class: "more" }, `and ${applications.total - applications.items.length} more applications`),
    links.total > links.items.length && h("li", { class: "more" }, `and ${links.total - links.items.length} more links`),
  ];
  $("waiting").replaceChildren(...items.filter(Boolean));
  if (total === 0) $("waiting").append(h("li", { class: "empty" }, "Nothing waits for a person."));
}

let describedBy = 0;

/** An item with its answers; each button is named by its answer, and described by the item it answers. */
function waitingItem(title, details, answers) {
  const id = `waiting-${++describedBy}`;
  return h(
    "li",
    { class: "item" },
    h("div", { id }, h("div", { class: "title" }, ...title), h("div", { class: "details" }, ...details)),
    h("div", { class: "answers" }, answers.map(({ label, accept, send }) => h("button", { type: "button", class: accept ? "accept" : "refuse", "aria-describedby": id, onclick: (event) => send(event.currentTarget) }, label))),
  );
}

function applicationItem(entry) {
  const answer = (accept) => (button) => act(button, "POST", "plugins/answer", { pluginAppId: entry.pluginAppId, miniProgramAppId: entry.appId, accept });
  return waitingItem(
    [h("strong", {}, nickname(entry.appId)), " applies for ", h("strong", {}, nickname(entry.pluginAppId))],
    [
      h("div", {}, badge(PLUGIN_STATUS[1]), " ", timeLeft(entry.expiresAt), entry.reason && h("span", { class: "muted" }, ` · “${entry.reason}”`)),
      h("code", { class: "muted" }, `${entry.appId} → ${entry.pluginAppId}`),
    ],
    [
      { label: "Approve", accept: true, send: answer(true) },
      { label: "Refuse", accept: false, send: answer(false) },
    ],
  );
}

function linkItem(link) {
  const confirm = (by, accept) => (button) =>
    act(button, "POST", "links/confirm", { officialAccountAppId: link.officialAccountAppId, miniProgramAppId: link.miniProgramAppId, by, accept });
  const unlinking = link.unlinkPending;
  const title = [h("strong", {}, nickname(link.officialAccountAppId)), unlinking ? " unlinks " : " invites ", h("strong", {}, nickname(link.miniProgramAppId))];
  const ids = h("code", { class: "muted" }, `${link.officialAccountAppId} → ${link.miniProgramAppId}`);
  if (unlinking) {
    return waitingItem(title, [h("div", {}, badge(["unlink waiting for the official account's admin", "waiting"])), ids], [
      { label: "Confirm unlink", accept: true, send: confirm("officialAccount", true) },
      { label: "Keep the link", accept: false, send: confirm("officialAccount", false) },
    ]);
  }
  const [by, admin] = link.status === 12 ? ["officialAccount", "official account admin"] : ["miniProgram", "mini program admin"];
  return waitingItem(title, [h("div", {}, badge(LINK_STATUS[link.status])), ids], [
    { label: `Accept as ${admin}`, accept: true, send: confirm(by, true) },
    { label: `Refuse as ${admin}`, accept: false, send: confirm(by, false) },
  ]);
}

/**
 * A page of accounts: those with plugins or links first, in full; the page's others are folded into one line that
 * opens (and stays open across re-reads), so that thousands of untouched generated accounts do not bury the few a
 * run touched.
 */
function renderAccounts(id, page, offsetName, kind, row, isQuiet) {
  const last = Math.min(page.offset + page.items.length, page.matching);
  const filtered = page.matching === page.total ? "" : ` (of ${page.total.toLocaleString("en")})`;
  $(`${id}-count`).textContent = page.matching ? `${page.offset + 1}–${last} of ${page.matching.toLocaleString("en")}${filtered}` : "";
  const move = (offset) => () => {
    state.query[offsetName] = Math.max(0, offset);
    refresh();
  };
  const pager =
    page.matching > PAGE_SIZE &&
    h(
      "div",
      { class: "pager" },
      h("button", { type: "button", disabled: page.offset === 0, onclick: move(page.offset - PAGE_SIZE), "aria-label": `Previous ${kind}` }, "‹ Previous"),
      h("button", { type: "button", disabled: last >= page.matching, onclick: move(page.offset + PAGE_SIZE), "aria-label": `Next ${kind}` }, "Next ›"),
    );
  const active = page.items.filter((account) => !isQuiet(account));
  const quiet = page.items.filter(isQuiet);
  const folded =
    quiet.length > 0 &&
    h(
      "details",
      { class: "quiet", open: state.unfolded.has(id), ontoggle: (event) => (event.currentTarget.open ? state.unfolded.add(id) : state.unfolded.delete(id)) },
      h("summary", {}, `${quiet.length} ${active.length ? "more " : ""}${kind} on this page without ${kind === "mini programs" ? "plugins" : "links"}`, h("span", { class: "muted" }, ` (${(page.matching - page.active).toLocaleString("en")} in all)`)),
      h("ul", { class: "accounts" }, quiet.map(row)),
    );
  const list = active.length > 0 && h("ul", { class: "accounts" }, active.map(row));
  $(id).replaceChildren(...[list, folded, pager].filter(Boolean));
  if (page.items.length === 0) $(id).append(h("p", { class: "empty" }, `No ${kind} match.`));
}

/** An account's line (names, original id, flags) over its entries or links, each given as the parts of one line. */
function accountRow(account, flagNames, lines) {
  const flags = flagNames.filter(([field]) => account[field]).map(([, text]) => h("span", { class: "flag" }, text));
  return h(
    "li",
    { class: "account" },
    h("div", { class: "head" }, named(account.appId), h("code", { class: "muted" }, account.username), ...flags),
    lines.length > 0 && h("ul", { class: "entries" }, lines.map((parts) => h("li", {}, ...parts))),
  );
}

function miniProgramRow(account) {
  const flags = [["authorized", "authorized the platform"], ["store", "store"], ["nearby", "nearby"], ["grayRelease", "gray release"]];
  return accountRow(
    account,
    flags,
    account.plugins.map((entry) => [
      named(entry.pluginAppId),
      badge(PLUGIN_STATUS[entry.status] ?? [`status ${entry.status}`, "bad"]),
      // A version is set by quick update, only once approved; until then what matters is the time left.
      entry.expiresAt ? timeLeft(entry.expiresAt) : entry.version ? h("span", { class: "version" }, `version ${entry.version}`) : h("span", { class: "muted" }, "no version set"),
      entry.refusalReason && h("span", { class: "muted" }, `“${entry.refusalReason}”`),
    ]),
  );
}

function officialAccountRow(account) {
  return accountRow(
    account,
    [["authorized", "authorized the platform"]],
    account.links.map((link) => [
      named(link.miniProgramAppId),
      badge(LINK_STATUS[link.status] ?? [`status ${link.status}`, "bad"]),
      link.unlinkPending && badge(["unlink waiting for the official account's admin", "waiting"]),
      h("span", { class: "muted" }, [link.showProfile && "shown on the profile", link.notifyUsers && "followers notified"].filter(Boolean).join(" · ")),
    ]),
  );
}

function renderPlatform({ platform, miniPrograms, officialAccounts }) {
  if (!platform) {
    $("platform").replaceChildren("None: the seed has no component, so component calls get 40013.");
    return;
  }
  const { authorizedBy } = platform;
  const counts = [
    `${authorizedBy.miniPrograms.toLocaleString("en")} of ${miniPrograms.total.toLocaleString("en")} mini programs`,
    `${authorizedBy.officialAccounts.toLocaleString("en")} of ${officialAccounts.total.toLocaleString("en")} official accounts`,
    authorizedBy.plugins && `${authorizedBy.plugins} plugins`,
  ].filter(Boolean);
  $("platform").replaceChildren(h("code", {}, platform.appId), ` is authorized by ${counts.join(", ")} (marked “authorized the platform” above).`);
}

function renderPlugins(plugins) {
  const rows = plugins.map((plugin) =>
    h(
      "tr",
      {},
      h("td", {}, named(plugin.appId)),
      h("td", {}, plugin.requiresApproval ? "needs approval" : "approved at once"),
      h("td", {}, plugin.versions.map(({ version, quickUpdate }) => (quickUpdate ? version : `${version} (no quick update)`)).join(", ") || "no versions"),
    ),
  );
  $("plugins").replaceChildren(h("table", { class: "plugins" }, h("tbody", {}, rows)));
}

// ---- the operator

function renderFaults({ faults, paths }) {
  const select = document.querySelector("#fault-form select[name=path]");
  if (select.options.length === 0) {
    select.append(...paths.map((path) => h("option", { value: path }, path)));
    $("log-path").append(...paths.map((path) => h("option", { value: path }, path)));
  }
  const describe = (fault) =>
    [
      fault.action && `action ${fault.action}`,
      fault.appId && `account ${fault.appId}`,
      fault.errcode !== undefined && `errcode ${fault.errcode}`,
      fault.httpStatus !== undefined && `HTTP ${fault.httpStatus}`,
      fault.delayMs !== undefined && `${fault.delayMs} ms delay`,
      fault.dropConnection && `drops the connection ${fault.dropConnection} acting`,
      fault.remaining === undefined ? "every call" : `${fault.remaining} more call${fault.remaining === 1 ? "" : "s"}`,
      fault.probability < 1 && `probability ${fault.probability}`,
    ]
      .filter(Boolean)
      .join(" · ");
  $("faults").replaceChildren(
    ...faults.map((fault) => h("li", {}, h("code", {}, `#${fault.id} ${fault.path}`), " ", h("span", { class: "muted" }, describe(fault)))),
  );
  if (faults.length === 0) $("faults").append(h("li", { class: "empty" }, "No faults: every call is answered as WeChat would."));
}

function addFault(event) {
  event.preventDefault();
  const fields = Object.fromEntries([...new FormData(event.currentTarget)].filter(([, value]) => value !== ""));
  const numbers = ["errcode", "httpStatus", "delayMs", "times", "probability"];
  for (const name of numbers) if (name in fields) fields[name] = Number(fields[name]);
  return act(event.submitter, "POST", "faults", fields);
}

// ---- the wire

function formatTime(time, withDate = false) {
  const date = new Date(time);
  const two = (number) => String(number).padStart(2, "0");
  const clock = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return withDate ? `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${clock}` : clock;
}

function callRow(call) {
  const failed = call.errcode !== 0;
  const outcome = call.errcode === null ? (call.httpStatus === null ? "dropped" : `HTTP ${call.httpStatus}`) : String(call.errcode);
  return h(
    "tr",
    { class: failed ? "failed" : undefined },
    h("td", { title: call.at }, formatTime(call.at)),
    h("td", {}, h("code", {}, call.path)),
    h("td", {}, call.action ?? ""),
    h("td", { title: call.appId ? nickname(call.appId) : undefined }, call.appId ? h("code", {}, call.appId) : h("span", { class: "muted" }, "unknown")),
    h("td", {}, outcome),
    h("td", {}, failed ? h("span", { class: "badge bad" }, "failed") : h("span", { class: "badge good" }, "ok"), call.fault && h("span", { class: "muted" }, ` fault #${call.fault}`)),
  );
}

function renderLog() {
  $("log").replaceChildren(...state.calls.map(callRow));
  $("log-empty").hidden = state.calls.length > 0;
}

function showNewCalls() {
  const fresh = state.unshown;
  state.unshown = [];
  state.calls = [...fresh, ...state.calls].slice(0, LOG_SIZE);
  $("log").prepend(...fresh.map(callRow));
  while ($("log").rows.length > LOG_SIZE) $("log").lastElementChild.remove();
  $("log-empty").hidden = state.calls.length > 0;
}

// ---- wiring

function debounce(run, ms) {
  let timer;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, ms);
  };
}

$("search").addEventListener(
  "input",
  debounce(() => {
    state.query = { search: $("search").value.trim(), miniProgramOffset: 0, officialAccountOffset: 0 };
    refresh();
  }, 200),
);
for (const button of document.querySelectorAll("[data-advance]")) {
  button.addEventListener("click", () => act(button, "POST", "clock", { advanceSeconds: Number(button.dataset.advance) }));
}
$("reset").addEventListener("click", (event) => act(event.currentTarget, "POST", "reset"));
$("fault-form").addEventListener("submit", addFault);
$("clear-faults").addEventListener("click", (event) => act(event.currentTarget, "DELETE", "faults"));
$("clear-log").addEventListener("click", (event) => act(event.currentTarget, "DELETE", "calls"));
$("log-account").addEventListener("input", debounce(follow, 300));
$("log-path").addEventListener("change", follow);
// The emulator's time and the time left on pending applications move on between reads; no request is made for it.
window.setInterval(() => {
  if (!state.world) return;
  renderClock();
  for (const element of document.querySelectorAll("[data-expires]")) element.textContent = describeLeft(element.dataset.expires);
}, 1000);

follow();
