// The idle screen's pieces: which widgets show, the clock, the current user, meetings,
// connection info, join requests, background and logo.

import { fileUrl } from "../api.js";

// Setting name -> field of getInfoWidgetsState.
export const WIDGETS = {
  showLogo: "logoDisplaying",
  showTime: "timeDisplaying",
  showInfoConnect: "connectInfoDisplaying",
  showCurrentUserWidget: "currentUserInfoWidgetDisplaying",
  showIncomingRequestWidget: "incomingRequestWidgetDisplaying",
  showUpcomingMeetings: "upcomingMeetingsComponentDisplaying",
};

const STATES = ["Not connected to a server", "Connecting…", "Not logged in", "Available", "Calling…", "In a call", "Ending the call…"];
const $ = (sel) => document.querySelector(sel);

export class Widgets {
  constructor() {
    this.shown = Object.fromEntries(Object.keys(WIDGETS).map((k) => [k, true]));
    this.master = true; // setting showInfoWidgets: all info widgets at once (the logo stays its own)
    this.account = { peerId: "", peerDn: "" };
    this.appState = 0;
    this.clockTimer = null;
  }

  fromSettings(list) {
    for (const { name, value } of list || []) this.setting(name, value, false);
    this.apply();
  }

  fromInfoState(reply) {
    for (const [name, field] of Object.entries(WIDGETS)) {
      if (typeof reply[field] === "boolean") this.shown[name] = reply[field];
    }
    this.apply();
  }

  setting(name, value, apply = true) {
    if (name in WIDGETS && typeof value === "boolean") this.shown[name] = value;
    else if (name === "showInfoWidgets" && typeof value === "boolean") this.master = value;
    else return;
    if (apply) this.apply();
  }

  apply() {
    for (const el of document.querySelectorAll("[data-widget]")) {
      const name = el.dataset.widget;
      el.hidden = !(this.shown[name] && (this.master || name === "showLogo"));
    }
    if (!$("#w-time").hidden && this.clockTimer === null) this.tick();
  }

  tick() {
    const now = new Date();
    $("#w-time .time").textContent = now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    $("#w-time .date").textContent = now.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
    // Wake once a second at most, and not at all while the clock is hidden.
    this.clockTimer = $("#w-time").hidden ? null : setTimeout(() => this.tick(), 1000 - now.getMilliseconds() + 5);
  }

  user(account, appState) {
    if (account) this.account = account;
    if (appState !== undefined) this.appState = appState;
    $("#w-user .name").textContent = this.account.peerDn || this.account.peerId || "No account";
    $("#w-user .status").textContent = STATES[this.appState] || "";
    const dot = $("#w-user .presence");
    dot.classList.toggle("online", this.appState === 3);
    dot.classList.toggle("busy", this.appState >= 4);
  }

  connection(info) {
    $("#w-connect .room-name").textContent = info.roomName || "meetroom";
    $("#w-connect .manager-url").textContent = info.userUrl || info.webManagerUrl;
    $("#w-connect .room-ip").textContent = info.ip;
    for (const el of document.querySelectorAll("#w-connect .pin-row")) el.hidden = !info.userPin;
    $("#w-connect .user-pin").textContent = info.userPin || "";
  }

  meetings(conferences) {
    const list = $("#w-meetings ul");
    const items = (conferences || []).slice(0, 5);
    if (!items.length) {
      list.replaceChildren(Object.assign(document.createElement("li"), { className: "none", textContent: "No meetings scheduled" }));
      return;
    }
    list.replaceChildren(
      ...items.map((c) => {
        const li = document.createElement("li");
        const when = document.createElement("span");
        when.className = "when";
        const start = c.schedule?.start_time || c.start_time || 0;
        when.textContent = start ? new Date(start * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : c.state === "running" ? "now" : "";
        li.append(when, document.createTextNode(c.topic || c.id || "Meeting"));
        return li;
      })
    );
  }
}

// Fetches an image through the HTTP server with the screen's token; gives an object URL.
export async function loadImage(fileId, tokens) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await tokens.get();
    const resp = await fetch(fileUrl(fileId, token), { cache: "no-store" });
    if (resp.ok) return URL.createObjectURL(await resp.blob());
    if (resp.status !== 401 && resp.status !== 403) throw new Error(`file ${fileId}: HTTP ${resp.status}`);
    tokens.expired(token);
  }
  throw new Error(`file ${fileId}: token refused`);
}

export class Decor {
  constructor(tokens) {
    this.tokens = tokens;
    this.bgUrl = null;
    this.logoUrl = null;
    this.bgFile = undefined; // nothing drawn yet
    this.logoKey = undefined;
  }

  async background(info) {
    const el = $("#background");
    const fileId = info.isCustomImage && info.fileId !== undefined ? info.fileId : null;
    if (fileId === this.bgFile) return;
    this.bgFile = fileId;
    if (fileId === null) {
      el.classList.add("default");
      el.style.backgroundImage = "";
    } else {
      const url = await loadImage(fileId, this.tokens);
      el.classList.remove("default");
      el.style.backgroundImage = `url("${url}")`;
      if (this.bgUrl) URL.revokeObjectURL(this.bgUrl);
      this.bgUrl = url;
    }
    document.body.dataset.background = fileId ?? "default";
  }

  async logo(info) {
    const custom = info.isCustomImage && info.fileId !== undefined;
    const key = custom ? `${info.fileId}:${info.mode}` : "default";
    if (key === this.logoKey) return;
    this.logoKey = key;
    const box = $("#logo");
    const img = box.querySelector("img");
    box.classList.toggle("natural", custom && info.mode === 1);
    box.classList.toggle("fit", !(custom && info.mode === 1));
    if (custom) {
      const url = await loadImage(info.fileId, this.tokens);
      img.src = url;
      if (this.logoUrl) URL.revokeObjectURL(this.logoUrl);
      this.logoUrl = url;
    } else {
      img.src = "/static/img/logo.svg";
    }
    document.body.dataset.logo = key;
  }
}
