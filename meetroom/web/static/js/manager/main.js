// The web manager: finds the room's ports through config.json, signs in over the public
// WebSocket API (PIN, password, or unsecured on the room itself) and shows the sections the
// granted mode may use. New state arrives as notifications; the page never reloads.

import { Channel, discover, wsUrl } from "../api.js";
import { h } from "./ui.js";
import call from "./sections/call.js";
import devices from "./sections/devices.js";
import files from "./sections/files.js";
import meetings from "./sections/meetings.js";
import screen from "./sections/screen.js";
import security from "./sections/security.js";
import server from "./sections/server.js";
import status from "./sections/status.js";

const SECTIONS = [status, call, meetings, devices, screen, server, security, files];
const RECONNECT_MS = 2000;
const CAUSES = {
  1: "Another client signed in in this mode, so this page no longer controls the room (one connection per mode).",
  2: "User protection was reset because administrator mode was made unsecured.",
  3: "The administrator credentials were changed.",
  4: "The administrator changed the user credentials.",
  5: "The user credentials were changed.",
  6: "This mode is not available under the current licence.",
  7: "The user PIN was changed after the meeting.",
  8: "The sign-in token expired.",
};

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const instance = params.get("cfg") || "default";
const pathPin = location.pathname.match(/^\/([A-Za-z0-9]{4,32})$/)?.[1] || null;
const tokenKey = `meetroom.token.${instance}`;

let channel = null;
let listeners = new Map();
let signedIn = false;

// What every section gets: the API, the granted role, the room's ports and settings.
const ctx = {
  instance,
  role: null,
  ports: null,
  settings: new Map(),
  settingWatchers: new Map(),
  api: { call: (method, p) => (channel ? channel.call(method, p) : Promise.resolve({ result: false, error: "not connected to the room" })) },
  on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(fn);
  },
  watchSetting(name, fn) {
    if (!this.settingWatchers.has(name)) this.settingWatchers.set(name, new Set());
    this.settingWatchers.get(name).add(fn);
  },
  async httpToken() {
    const reply = await channel.call("getTokenForHttpServer");
    if (!reply.result) throw new Error(reply.error || "no HTTP token");
    return reply.token;
  },
  isAdmin() {
    return this.role === "admin";
  },
};
window.manager = ctx; // for the browser tests and the curious

function dispatchEvent(msg) {
  if (msg.event === "settingsChanged") {
    ctx.settings.set(msg.name, msg.value);
    for (const fn of ctx.settingWatchers.get(msg.name) || []) fn(msg.value);
  }
  for (const fn of listeners.get(msg.event) || []) fn(msg);
  for (const fn of listeners.get("*") || []) fn(msg);
}

function notice(text, withAction = false) {
  const box = $("#notice");
  box.hidden = !text;
  box.querySelector(".notice-text").textContent = text || "";
  box.querySelector(".notice-action").hidden = !withAction;
}

async function connect() {
  ctx.ports = await discover(instance);
  const ch = new Channel(wsUrl(ctx.ports.wsPort));
  ch.on("*", dispatchEvent);
  ch.on("authorizationNeeded", (msg) => revoked(msg.cause));
  await ch.open();
  ch.onclose = () => lost(ch);
  channel = ch;
}

function lost(ch) {
  if (channel !== ch) return;
  channel = null;
  notice("Connection to the room lost — reconnecting…");
  setTimeout(reconnect, RECONNECT_MS);
}

async function reconnect() {
  try {
    await connect();
  } catch {
    setTimeout(reconnect, RECONNECT_MS);
    return;
  }
  const token = sessionStorage.getItem(tokenKey);
  if (signedIn && token) {
    const reply = await auth({ type: "secured", credentials: token, role: ctx.role });
    if (reply.result) {
      notice("");
      await enter();
      return;
    }
  }
  notice("");
  showLogin("Sign in again: the room restarted or the session ended.");
}

function revoked(cause) {
  sessionStorage.removeItem(tokenKey);
  signedIn = false;
  $("#app").hidden = true;
  notice(CAUSES[cause] || `The room asked for a new sign-in (cause ${cause}).`, true);
}

async function auth(msg) {
  const reply = await ctx.api.call("auth", msg);
  if (reply.result) {
    ctx.role = reply.previleges === 2 ? "admin" : "user";
    if (reply.token) sessionStorage.setItem(tokenKey, reply.token);
    signedIn = true;
  }
  return reply;
}

function showLogin(hint) {
  $("#app").hidden = true;
  $("#boot").hidden = true;
  $("#login").hidden = false;
  if (hint) $("#login-hint").textContent = hint;
  $("#signout").hidden = true;
  $("#role-badge").hidden = true;
  $("#credentials").focus();
}

async function signIn(msg, control) {
  const out = $("#login-error");
  out.textContent = "";
  control.disabled = true;
  const reply = await auth(msg);
  control.disabled = false;
  if (!reply.result) {
    out.textContent = reply.error || "sign-in refused";
    $("#credentials").setAttribute("aria-invalid", "true");
    $("#credentials").select();
    return;
  }
  $("#credentials").removeAttribute("aria-invalid");
  $("#credentials").value = "";
  await enter();
}

// Builds the sections this mode may use; admin-only sections are not even created for a user.
async function enter() {
  notice("");
  const settings = await ctx.api.call("getSettings");
  ctx.settings = new Map((settings.settings || []).map((s) => [s.name, s.value]));
  ctx.settingWatchers = new Map();
  listeners = new Map();
  $("#room-name").textContent = ctx.settings.get("displayName") || "meetroom";
  ctx.watchSetting("displayName", (v) => ($("#room-name").textContent = v));
  const badge = $("#role-badge");
  badge.textContent = ctx.isAdmin() ? "Administrator" : "User";
  badge.hidden = false;
  $("#signout").hidden = false;
  $("#login").hidden = true;
  $("#boot").hidden = true;

  const nav = $("#nav");
  const holder = $("#sections");
  nav.replaceChildren();
  holder.replaceChildren();
  for (const section of SECTIONS) {
    if (section.admin && !ctx.isAdmin()) continue;
    nav.append(h("a", { href: `#${section.id}`, id: `nav-${section.id}`, text: section.title }));
    const el = h("section", { id: `sec-${section.id}`, class: "section", "aria-labelledby": `title-${section.id}`, hidden: true });
    el.append(h("h2", { id: `title-${section.id}`, text: section.title }));
    section.build(ctx, el);
    holder.append(el);
  }
  holder.append(
    h("section", { id: "sec-denied", class: "section", hidden: true }, h("h2", { text: "Administrator only" }),
      h("p", { text: "This section needs administrator rights. Sign in with the administrator password or PIN to use it." }))
  );
  $("#app").hidden = false;
  route();
  await Promise.all(SECTIONS.filter((s) => !s.admin || ctx.isAdmin()).map((s) => s.load(ctx).catch((e) => console.warn(s.id, e))));
  document.body.dataset.ready = ctx.role;
}

function route() {
  if ($("#app").hidden) return;
  const wanted = location.hash.slice(1) || "status";
  const known = SECTIONS.find((s) => s.id === wanted);
  const allowed = known && (!known.admin || ctx.isAdmin());
  const id = allowed ? wanted : known ? "denied" : "status";
  for (const el of document.querySelectorAll("#sections > .section")) el.hidden = el.id !== `sec-${id}`;
  for (const a of document.querySelectorAll("#nav a")) a.toggleAttribute("aria-current", a.id === `nav-${id}`);
  for (const s of SECTIONS) if (s.shown) s.shown(ctx, s.id === id);
}

async function signOut() {
  sessionStorage.removeItem(tokenKey);
  signedIn = false;
  const old = channel;
  channel = null;
  if (old) old.close();
  await connect();
  showLogin("Signed out.");
}

function setup() {
  $("#login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const credentials = $("#credentials").value.trim();
    if (!credentials) {
      $("#login-error").textContent = "Enter a PIN or password, or continue without credentials.";
      return;
    }
    const role = $("#login-role").value;
    signIn({ type: "secured", credentials, ...(role ? { role } : {}) }, $("#signin"));
  });
  $("#unsecured").addEventListener("click", () => {
    const role = $("#login-role").value;
    signIn({ type: "unsecured", ...(role ? { role } : {}) }, $("#unsecured"));
  });
  $("#signout").addEventListener("click", signOut);
  $("#notice .notice-action").addEventListener("click", () => {
    notice("");
    showLogin("Sign in to take control again.");
  });
  window.addEventListener("hashchange", () => {
    route();
    $("#sections").focus(); // keyboard and screen-reader users land in the chosen section
  });
}

async function boot() {
  try {
    await connect();
  } catch (err) {
    $("#boot").textContent = `Cannot reach the room: ${err.message}. Retrying…`;
    setTimeout(boot, RECONNECT_MS);
    return;
  }
  const saved = sessionStorage.getItem(tokenKey);
  if (pathPin) {
    const reply = await auth({ type: "secured", credentials: pathPin, role: "user" });
    if (reply.result) return enter();
    showLogin();
    $("#login-error").textContent = `The PIN in this link was refused: ${reply.error}`;
    return;
  }
  if (saved) {
    const reply = await auth({ type: "secured", credentials: saved });
    if (reply.result) return enter();
    sessionStorage.removeItem(tokenKey);
  }
  showLogin();
}

setup();
boot();
