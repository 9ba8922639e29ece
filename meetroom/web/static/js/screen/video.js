// The video matrix: one canvas per slot of getVideoMatrix, placed at its rectangle and fed with
// JPEG frames from /frames/. No flicker: a new frame replaces the old one only once decoded, a
// slot that changes size redraws its last picture at once, and a participant that leaves the
// layout for a moment (single-window layout, hidden slot) keeps its slot parked, picture and all.

import { frameUrl } from "../api.js";

const FRAME_INTERVAL_MS = 1000 / 15; // ≥ 10 fps per slot with headroom
const RETRY_MS = 400;
const UNDER_MIN_PX = 44; // letterbox height needed to put the name under the picture
const LABEL_GAP_PX = 8;
const PIP_RECT = { left: "37.5%", top: "71%", width: "25%", height: "25%" };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Slot {
  constructor(peerId, tokens, stats) {
    this.peerId = peerId;
    this.tokens = tokens;
    this.stats = stats;
    this.alive = false;
    this.generation = 0; // a paused and resumed slot never runs two pumps
    this.last = null; // the newest decoded picture, kept for redrawing at a new size
    this.el = document.createElement("figure");
    this.el.className = "slot";
    this.el.dataset.peer = peerId;
    this.canvas = document.createElement("canvas");
    this.caption = document.createElement("figcaption");
    this.mutes = document.createElement("div");
    this.mutes.className = "mutes";
    this.el.append(this.canvas, this.caption, this.mutes);
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.resume();
  }

  resume() {
    if (this.alive) return;
    this.alive = true;
    this.controller = new AbortController();
    this.pump(++this.generation);
  }

  // Out of the layout: no more requests, but the canvas and last picture stay for a comeback.
  pause() {
    this.alive = false;
    this.controller.abort();
    this.el.remove();
  }

  place(rect, name, mutes) {
    Object.assign(this.el.style, rect);
    if (this.last) this.render(false); // the new size shows the last picture right away
    this.caption.textContent = name;
    this.caption.hidden = !name;
    const badges = [];
    if (mutes.podium) badges.push("PODIUM");
    if (mutes.mic) badges.push("MIC OFF");
    if (mutes.video) badges.push("CAM OFF");
    this.el.classList.toggle("cam-off", !!mutes.video); // the last picture stays, dimmed
    this.el.classList.toggle("speaking", !!mutes.speaking); // the active speaker of a conference
    this.el.classList.toggle("podium", !!mutes.podium);
    if (this.mutes.dataset.badges !== badges.join()) {
      this.mutes.dataset.badges = badges.join();
      this.mutes.replaceChildren(
        ...badges.map((text) => Object.assign(document.createElement("span"), { className: "mute", textContent: text }))
      );
    }
  }

  // One decoded frame, or null after a refusal or error (the caller waits before asking again).
  async fetchBitmap() {
    const token = await this.tokens.get();
    try {
      const resp = await fetch(frameUrl(this.peerId, token), { cache: "no-store", signal: this.controller.signal });
      if (resp.ok) return await createImageBitmap(await resp.blob());
      if (resp.status === 401 || resp.status === 403) this.tokens.expired(token);
    } catch {
      // aborted (slot removed) or the room is restarting: retried below
    }
    return null;
  }

  // Frames on a fixed schedule; the next request is already on its way while a frame is drawn.
  async pump(generation) {
    const running = () => this.alive && this.generation === generation;
    let due = performance.now();
    let next = this.fetchBitmap();
    while (running()) {
      const bitmap = await next;
      if (!running()) {
        bitmap?.close();
        return;
      }
      if (!bitmap) {
        await sleep(RETRY_MS);
        due = performance.now();
        next = this.fetchBitmap();
        continue;
      }
      due = Math.max(due + FRAME_INTERVAL_MS, performance.now() - FRAME_INTERVAL_MS);
      next = sleep(Math.max(0, due - performance.now())).then(() => (running() ? this.fetchBitmap() : null));
      this.draw(bitmap);
    }
  }

  draw(bitmap) {
    this.last?.close();
    this.last = bitmap;
    this.render(true);
    this.stats.frames[this.peerId] = (this.stats.frames[this.peerId] || 0) + 1;
    if (!this.drawn) {
      this.drawn = true;
      this.stats.firstFrameAt[this.peerId] = Date.now(); // a slot that (re)appeared has its picture
    }
  }

  // Paints the last picture letterboxed into the slot; unless `always`, only when the size changed.
  render(always) {
    const bitmap = this.last;
    const box = this.el.getBoundingClientRect();
    const w = Math.max(1, Math.round(box.width * devicePixelRatio));
    const h = Math.max(1, Math.round(box.height * devicePixelRatio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    } else if (!always) {
      return;
    }
    const scale = Math.min(w / bitmap.width, h / bitmap.height);
    const dw = bitmap.width * scale;
    const dh = bitmap.height * scale;
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, w, h);
    this.ctx.drawImage(bitmap, (w - dw) / 2, (h - dh) / 2, dw, dh);
    this.placeLabels(w, h, dw, dh);
  }

  // The name goes right under the picture when the letterbox leaves room for it, else along the
  // picture's bottom edge; mute badges sit on the same line at the picture's right edge.
  placeLabels(w, h, dw, dh) {
    const key = `${w}x${h}:${Math.round(dw)}x${Math.round(dh)}`;
    if (key === this.labelsAt) return;
    this.labelsAt = key;
    const side = (w - dw) / 2 / devicePixelRatio;
    const band = (h - dh) / 2 / devicePixelRatio;
    const under = band >= UNDER_MIN_PX;
    const vertical = under
      ? { top: `${h / devicePixelRatio - band + LABEL_GAP_PX}px`, bottom: "auto" }
      : { top: "auto", bottom: `${band + LABEL_GAP_PX}px` };
    Object.assign(this.caption.style, { left: `${side + LABEL_GAP_PX}px`, ...vertical });
    Object.assign(this.mutes.style, { right: `${side + LABEL_GAP_PX}px`, ...vertical });
    this.el.classList.toggle("labels-under", under);
  }

  stop() {
    this.pause();
    this.last?.close();
    this.last = null;
  }
}

export class Matrix {
  constructor(root, tokens, stats) {
    this.root = root;
    this.tokens = tokens;
    this.stats = stats;
    this.slots = new Map();
    this.parked = new Map(); // peerId -> paused Slot of a participant currently out of the layout
    this.layout = null;
    this.mutes = new Map(); // peerId -> {mic, video}
    this.idle = true;
  }

  // `layout` is a getVideoMatrix reply or a videoMatrixChanged notification.
  show(layout) {
    this.layout = layout;
    const width = layout.mainWindowWidth || 1;
    const height = layout.mainWindowHeight || 1;
    const slots = (layout.participants || []).filter((p) => p.peerId && p.width > 0 && p.height > 0);
    // Idle with nobody but ourselves: the background stays, self view is a tile in the lower middle.
    const pip = this.idle && slots.length === 1 && slots[0].peerId === "#self:0";
    this.root.classList.toggle("pip", pip);
    const wanted = new Set();
    for (const p of slots) {
      wanted.add(p.peerId);
      let slot = this.slots.get(p.peerId);
      if (!slot) {
        slot = this.parked.get(p.peerId);
        this.parked.delete(p.peerId);
        if (slot) {
          slot.drawn = false;
          slot.resume();
          // its kept picture is drawn below, with this layout: note when that reaches the screen
          const peer = p.peerId;
          requestAnimationFrame(() => setTimeout(() => (this.stats.shownAt[peer] = Date.now()), 0));
        } else {
          slot = new Slot(p.peerId, this.tokens, this.stats);
        }
        this.slots.set(p.peerId, slot);
        this.root.append(slot.el);
      }
      const pct = (v, total) => `${((100 * v) / total).toFixed(3)}%`;
      const rect = pip
        ? PIP_RECT
        : { left: pct(p.left, width), top: pct(p.top, height), width: pct(p.width, width), height: pct(p.height, height) };
      // In idle self view the room's name is on the widgets already; in a call every slot is named.
      const name = pip ? "" : p.peerDn || p.title || p.peerId;
      slot.place(rect, name, this.mutes.get(p.peerId) || {});
    }
    for (const [peerId, slot] of this.slots) {
      if (!wanted.has(peerId)) {
        slot.pause();
        this.slots.delete(peerId);
        this.parked.get(peerId)?.stop();
        this.parked.set(peerId, slot);
      }
    }
  }

  setIdle(idle) {
    if (idle === this.idle) return;
    this.idle = idle;
    if (idle) this.unpark(); // the call is over: nobody is coming back
    if (this.layout) this.show(this.layout);
  }

  setMute(peerId, change) {
    this.mutes.set(peerId, { ...(this.mutes.get(peerId) || {}), ...change });
    if (this.layout) this.show(this.layout);
  }

  // A participant left the call: its mutes and its parked slot go.
  forget(peerId) {
    this.mutes.delete(peerId);
    this.parked.get(peerId)?.stop();
    this.parked.delete(peerId);
  }

  unpark() {
    for (const slot of this.parked.values()) slot.stop();
    this.parked.clear();
  }

  clear() {
    for (const slot of this.slots.values()) slot.stop();
    this.slots.clear();
    this.unpark();
  }
}
