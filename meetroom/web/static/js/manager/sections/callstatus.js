// The call the room is in right now: who, which phase, how long, and each participant's mic and
// camera. Follows the room's notifications, so a call answered on the main screen or by another
// client shows up here too.

import { clear, h } from "../ui.js";

const DEVICE = { 0: "none", 1: "muted", 2: "on" };

export class CallStatus {
  constructor(ctx, onState = () => {}) {
    this.ctx = ctx;
    this.onState = onState;
    this.state = 0;
    this.peer = "";
    this.incoming = false;
    this.since = 0;
    this.people = new Map(); // peerId -> participant entry (mic/video as 0..2)
    this.text = h("p", { id: "call-state", class: "call-state", role: "status", "aria-live": "polite" });
    this.list = h("ul", { class: "people", id: "call-people" });
    this.el = h("div", {}, this.text, this.list);
    this.timer = null;

    ctx.on("appStateChanged", (msg) => this.setState(msg.appState));
    ctx.on("inviteSent", (msg) => this.setPeer(msg.peerDn || msg.peerId, false));
    ctx.on("inviteReceived", (msg) => this.setPeer(msg.peerDn || msg.peerId, true));
    ctx.on("conferenceCreated", () => this.refresh());
    ctx.on("newParticipantInConference", (msg) => this.upsert(msg));
    ctx.on("deviceStatusReceived", (msg) => this.people.has(msg.peerId) && this.upsert(msg));
    ctx.on("participantLeftConference", (msg) => {
      this.people.delete(msg.peerId);
      this.render();
    });
    // our own mic and camera are participants too
    ctx.on("audioCapturerMute", (msg) => this.own({ mic: msg.mute ? 1 : 2 }));
    ctx.on("videoCapturerMute", (msg) => this.own({ video: msg.mute ? 1 : 2 }));
  }

  setPeer(name, incoming) {
    this.peer = name;
    this.incoming = incoming;
    this.render();
  }

  setState(state) {
    const entering = state === 5 && this.state !== 5;
    this.state = state;
    if (entering) this.since = Date.now();
    if (state < 4) {
      this.people.clear();
      this.peer = "";
    }
    clearInterval(this.timer);
    this.timer = state === 5 ? setInterval(() => this.render(), 1000) : null;
    this.render();
  }

  upsert(entry) {
    this.people.set(entry.peerId, { ...(this.people.get(entry.peerId) || {}), ...entry });
    this.render();
  }

  own(change) {
    const me = [...this.people.values()].find((p) => p.self);
    if (me) this.upsert({ ...me, ...change });
  }

  // Reads the whole picture again (after connecting, and when a call comes up).
  async refresh() {
    const state = await this.ctx.api.call("getAppState");
    if (state.result) this.setState(state.appState);
    if (this.state < 4) return;
    const conf = await this.ctx.api.call("getConferences");
    if (conf.result) {
      this.peer = conf.peerDn || conf.peerId || this.peer;
      this.incoming = conf.direction === "incoming";
      if (conf.duration) this.since = Date.now() - conf.duration * 1000;
    }
    const people = await this.ctx.api.call("getConferenceParticipants");
    if (people.result) {
      this.people = new Map(people.participants.map((p, i) => [p.peerId, { ...p, self: i === 0 }]));
    }
    this.render();
  }

  describe() {
    const who = this.peer || "the other side";
    switch (this.state) {
      case 4:
        return this.incoming ? `Incoming call from ${who}` : `Calling ${who}…`;
      case 5: {
        const secs = Math.max(0, Math.round((Date.now() - this.since) / 1000));
        const clock = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
        return `In a call with ${who} — ${clock}`;
      }
      case 6:
        return "Ending the call…";
      default:
        return this.state >= 3 ? "No call." : "No call: the room is not logged in.";
    }
  }

  render() {
    this.text.textContent = this.describe();
    this.text.dataset.state = String(this.state);
    this.onState(this.state);
    if (this.state !== 5) {
      clear(this.list);
      return;
    }
    clear(
      this.list,
      ...[...this.people.values()].map((p) =>
        h(
          "li",
          { dataset: { peer: p.peerId } },
          h("span", { class: "contact", text: p.self ? `${p.peerDn || p.peerId} (this room)` : p.peerDn || p.peerId }),
          h("span", { class: `dev mic d${p.mic}`, text: `mic ${DEVICE[p.mic] ?? "?"}` }),
          h("span", { class: `dev cam d${p.video}`, text: `camera ${DEVICE[p.video] ?? "?"}` })
        )
      )
    );
  }
}
