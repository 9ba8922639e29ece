// The room's main screen: connects to the room's own screen channel (/screen/ws), draws the idle
// screen or the video matrix, and shows the incoming-call banner. No credentials: the room decides
// from the connection's address whether this page may be its screen.

import { Channel } from "../api.js";
import { SLIDE_EVENTS, SlideShow } from "./slides.js";
import { Matrix } from "./video.js";
import { Decor, Widgets } from "./widgets.js";

const TOKEN_REFRESH_MS = 120000;
const RECONNECT_MS = 1500;
const $ = (sel) => document.querySelector(sel);

// Counters the tests and bench/screen_bench.py read.
const stats = { frames: {}, firstFrameAt: {}, shownAt: {}, events: 0, lastEvent: "", lastEventAt: 0, lastPaintAt: 0, paintAt: {}, layouts: 0 };
window.screenStats = stats;

let channel = null;

// The HTTP token for /frames/ and /files/, renewed before it expires or when refused.
const tokens = {
  value: null,
  waiting: null,
  get() {
    if (this.value) return Promise.resolve(this.value);
    if (!this.waiting) {
      this.waiting = (async () => {
        const reply = channel ? await channel.call("getScreenToken") : { result: false };
        this.waiting = null;
        this.value = reply.result ? reply.token : null;
        if (!this.value) await new Promise((r) => setTimeout(r, RECONNECT_MS));
        return this.value || "";
      })();
    }
    return this.waiting;
  },
  expired(token) {
    if (this.value === token) this.value = null;
  },
};
setInterval(() => (tokens.value = null), TOKEN_REFRESH_MS);

const widgets = new Widgets();
const decor = new Decor(tokens);
const matrix = new Matrix($("#matrix"), tokens, stats);
const slideshow = new SlideShow(tokens, $("#banner"));

// Records when a change reached the page and when it was painted (for the latency bench).
function painted(event) {
  stats.events += 1;
  stats.lastEvent = event;
  stats.lastEventAt = Date.now();
  // Handlers for this message run before the next frame; the timeout lands after it is painted.
  requestAnimationFrame(() =>
    setTimeout(() => {
      stats.lastPaintAt = Date.now();
      stats.paintAt[event] = stats.lastPaintAt;
    }, 0)
  );
}

// The incoming-call banner (accept/reject for touch screens), or "Calling …" while this room dials.
function banner(invite, outgoing = false) {
  const box = $("#banner");
  if (!invite) {
    box.hidden = true;
    delete box.dataset.peer;
    return;
  }
  const group = invite.type > 0 || invite.confTitle;
  const title = outgoing ? "Calling" : group ? "Invitation to a conference" : "Incoming call";
  $("#banner-title").textContent = title;
  box.querySelector(".banner-caller").textContent = group
    ? `${invite.confTitle || "Conference"} — ${invite.peerDn || invite.peerId}`
    : invite.peerDn || invite.peerId;
  box.querySelector(".error").textContent = "";
  box.querySelector(".banner-actions").hidden = outgoing;
  box.classList.toggle("outgoing", outgoing);
  box.dataset.peer = invite.peerId;
  box.hidden = false;
  if (!outgoing) box.querySelector("button.accept").focus();
}

async function answer(method) {
  const box = $("#banner");
  for (const b of box.querySelectorAll("button")) b.disabled = true;
  const reply = await channel.call(method);
  for (const b of box.querySelectorAll("button")) b.disabled = false;
  if (reply.result) banner(null);
  else box.querySelector(".error").textContent = reply.error || `${method} failed`;
}

function addRequest(req) {
  const list = $("#w-requests ul");
  list.querySelector(`li[data-peer="${CSS.escape(req.peerId)}"]`)?.remove();
  const li = document.createElement("li");
  li.dataset.peer = req.peerId;
  const name = Object.assign(document.createElement("span"), { textContent: req.peerDn || req.peerId });
  const allow = Object.assign(document.createElement("button"), { className: "accept", textContent: "Allow", type: "button" });
  const deny = Object.assign(document.createElement("button"), { className: "reject", textContent: "Deny", type: "button" });
  const act = (method) => async () => {
    const reply = await channel.call(method, { peerId: req.peerId });
    if (reply.result) li.remove();
    else name.textContent = `${req.peerDn || req.peerId}: ${reply.error}`;
  };
  allow.onclick = act("acceptPeer");
  deny.onclick = act("rejectPeer");
  li.append(name, allow, deny);
  list.append(li);
}

// In a group conference: the active speaker (the loudest participant, from audioLevel) and the
// podium (role-based conferences) are marked on their slots; read every SPEAKER_MS while in one.
const SPEAKER_MS = 700;
const SPEAKING_LEVEL = 0.02;
let speakerTimer = null;

async function markSpeakers(ch) {
  const [conf, people] = await Promise.all([ch.call("getConferences"), ch.call("getConferenceParticipants")]);
  if (!conf.result || !people.result || conf.type === "p2p") return;
  const others = people.participants.slice(1); // the room itself is listed first
  const loudest = others.reduce((best, p) => ((p.audioLevel || 0) > (best?.audioLevel || 0) ? p : best), null);
  for (const p of others) {
    const speaking = !!loudest && p.peerId === loudest.peerId && (p.audioLevel || 0) > SPEAKING_LEVEL;
    matrix.setMute(p.peerId, { speaking, podium: conf.confType === 3 && !!p.broadcast });
  }
}

function watchSpeakers(on) {
  clearInterval(speakerTimer);
  speakerTimer = on && channel ? setInterval(() => markSpeakers(channel).catch(report), SPEAKER_MS) : null;
}

function appState(state) {
  widgets.user(null, state);
  watchSpeakers(state === 5);
  document.body.classList.toggle("in-call", state === 5);
  matrix.setIdle(state < 4);
  if (state !== 4) banner(null);
}

function wire(ch) {
  ch.on("*", (msg) => painted(msg.event));
  ch.on("screenInfo", (info) => {
    widgets.connection(info);
    widgets.user(info.account);
  });
  ch.on("settingsChanged", (msg) => widgets.setting(msg.name, msg.value));
  for (const name of ["showLogo", "showTime", "showInfoConnect", "showCurrentUserWidget", "showIncomingRequestWidget", "showUpcomingMeetings"]) {
    ch.on(name, (msg) => {
      if (typeof msg.show === "boolean") widgets.setting(name, msg.show);
      else refreshWidgets();
    });
  }
  ch.on("appStateChanged", (msg) => appState(msg.appState));
  ch.on("backgroundImageChanged", (msg) => decor.background(msg).catch(report));
  ch.on("logoImageChanged", (msg) => decor.logo(msg).catch(report));
  ch.on("customLogoUsageChanged", () => ch.call("getLogo").then((r) => r.result && decor.logo(r)).catch(report));
  ch.on("videoMatrixChanged", (msg) => {
    matrix.show(msg);
    stats.layouts += 1;
  });
  ch.on("inviteReceived", (msg) => banner(msg));
  ch.on("inviteSent", (msg) => banner(msg, true));
  for (const name of ["stopCalling", "rejectReceived", "rejectSent", "conferenceCreated", "peerAccepted"]) ch.on(name, () => banner(null));
  ch.on("requestInviteReceived", addRequest);
  ch.on("conferenceList", (msg) => widgets.meetings(msg.conferences));
  ch.on("newParticipantInConference", (msg) => matrix.setMute(msg.peerId, { mic: msg.mic < 2, video: msg.video < 2 }));
  ch.on("participantLeftConference", (msg) => matrix.forget(msg.peerId));
  ch.on("deviceStatusReceived", (msg) => matrix.setMute(msg.peerId, { mic: msg.mic < 2, video: msg.video < 2 }));
  ch.on("audioCapturerMute", (msg) => matrix.setMute("#self:0", { mic: !!msg.mute }));
  ch.on("videoCapturerMute", (msg) => matrix.setMute("#self:0", { video: !!msg.mute }));
  for (const name of ["login", "logout"]) ch.on(name, () => loadAccount(ch));
  for (const name of SLIDE_EVENTS) ch.on(name, () => slideshow.refresh(ch).catch(report));
  $("#banner .accept").onclick = () => answer("accept");
  $("#banner .reject").onclick = () => answer("reject");
}

function report(err) {
  console.warn("screen:", err);
}

async function refreshWidgets() {
  const settings = await channel.call("getSettings");
  if (settings.result) widgets.fromSettings(settings.settings);
  const info = await channel.call("getInfoWidgetsState");
  if (info.result) widgets.fromInfoState(info);
}

async function loadAccount(ch) {
  const login = await ch.call("getLogin");
  if (login.result && login.isLoggedIn !== undefined) widgets.user({ peerId: login.peerId || "", peerDn: login.peerDn || "" });
}

// A call that was already ringing or running when the page (re)connected.
async function loadCall(ch, state) {
  const conf = await ch.call("getConferences");
  if (state === 4 && conf.result && conf.type === "p2p") banner({ peerId: conf.peerId, peerDn: conf.peerDn, type: 0 }, conf.direction === "outgoing");
  if (state !== 5) return;
  const people = await ch.call("getConferenceParticipants");
  // our own entry has the room's InstanceId, not "#self:0": self view's mutes come from getMicMute/getVideoMute
  for (const p of people.result ? people.participants : []) matrix.setMute(p.peerId, { mic: p.mic < 2, video: p.video < 2 });
}

// Everything the screen draws, read once after (re)connecting; notifications keep it current.
async function load(ch) {
  await refreshWidgets();
  const state = await ch.call("getAppState");
  if (state.result) appState(state.appState);
  await loadAccount(ch);
  const [bg, logo, layout, mic, cam, meetings] = await Promise.all(
    ["getBackground", "getLogo", "getVideoMatrix", "getMicMute", "getVideoMute", "getScheduler"].map((m) => ch.call(m))
  );
  await Promise.all([bg.result && decor.background(bg).catch(report), logo.result && decor.logo(logo).catch(report)]);
  if (layout.result) matrix.show(layout);
  if (mic.result) matrix.setMute("#self:0", { mic: !!mic.mute });
  if (cam.result) matrix.setMute("#self:0", { video: !!cam.mute });
  widgets.meetings(meetings.result ? meetings.conferences : []);
  if (state.result && (state.appState === 4 || state.appState === 5)) await loadCall(ch, state.appState);
  await slideshow.refresh(ch).catch(report);
}

async function start() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/screen/ws`;
  const ch = new Channel(url);
  wire(ch);
  try {
    await ch.open();
  } catch {
    $("#offline").hidden = false;
    $("#offline").textContent = "Cannot reach the room's screen channel — retrying…";
    setTimeout(start, RECONNECT_MS * 2);
    return;
  }
  ch.onclose = () => {
    $("#offline").hidden = false;
    $("#offline").textContent = "Connecting to the room…";
    document.body.dataset.ready = "";
    channel = null;
    tokens.value = null;
    setTimeout(start, RECONNECT_MS);
  };
  channel = ch;
  $("#offline").hidden = true;
  await load(ch);
  document.body.dataset.ready = "1";
}

start();
