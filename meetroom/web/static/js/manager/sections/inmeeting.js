// In the meeting: steer the other side's camera (after asking), answer its asks for ours, send
// DTMF tones from a dial pad, record the call with the others' consent, and share content (the
// slideshow or a screen/window of the room's display) as a second video. Part of the Call
// section; every control only sends API commands and follows the room's notifications.

import { act, button, card, clear, field, h, row } from "../ui.js";

const PAD = [
  ["↑", "remotelyControlledCameraPtzUp", "Tilt up"],
  ["←", "remotelyControlledCameraPtzLeft", "Pan left"],
  ["→", "remotelyControlledCameraPtzRight", "Pan right"],
  ["↓", "remotelyControlledCameraPtzDown", "Tilt down"],
  ["+", "remotelyControlledCameraPtzZoomInc", "Zoom in"],
  ["−", "remotelyControlledCameraPtzZoomDec", "Zoom out"],
];
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

export class InMeeting {
  constructor(ctx) {
    this.ctx = ctx;
    this.peers = new Map(); // InstanceId -> display name (the other participants)
    this.controlled = new Set();
    this.own = "";
    this.pressed = []; // symbols sent from this pad whose toneDial notification has not come yet

    this.peer = h("select", { id: "meeting-peer" });
    this.peer.addEventListener("change", () => this.render());
    this.ask = button("Ask to control their camera", (b) => act(b, () => this.call("requestParticipantCameraControl", { callId: this.peer.value })), { id: "farcam-ask" });
    this.camState = h("p", { id: "farcam-state", role: "status", "aria-live": "polite" });
    this.pad = h(
      "div",
      { class: "ptz-pad", id: "farcam-pad", role: "group", "aria-label": "Far camera" },
      ...PAD.map(([label, method, title]) =>
        button(label, (b) => act(b, () => this.call(method, { cameraOwnerCallId: this.peer.value })), { title, "aria-label": title, dataset: { method } })
      )
    );
    this.asks = h("ul", { class: "asks", id: "farcam-asks" });

    this.keys = h(
      "div",
      { class: "dial-pad", id: "dial-pad", role: "group", "aria-label": "Dial pad" },
      ...KEYS.map((key) => button(key, (b) => this.press(b, key), { dataset: { key } }))
    );
    this.tones = h("output", { id: "tones-received", "aria-live": "polite" });

    this.recordState = h("p", { id: "record-state", role: "status", "aria-live": "polite", text: "Not recording." });
    this.start = button("Record the call", (b) => act(b, () => this.call("startRecording")), { id: "record-start" });
    this.stop = button("Stop recording", (b) => act(b, () => this.call("stopRecording")), { id: "record-stop", class: "danger" });
    this.recordAsks = h("ul", { class: "asks", id: "record-asks" });

    this.source = h("select", { id: "content-source" });
    this.share = button("Share content", (b) => act(b, () => this.call("startCapture", { captureId: Number(this.source.value) })), { id: "content-share", class: "primary" });
    this.unshare = button("Stop sharing", (b) => act(b, () => this.call("stopCapture")), { id: "content-stop", class: "danger" });
    this.sources = button("Refresh", (b) => act(b, () => this.loadSources()), { id: "content-refresh" });
    this.contentState = h("p", { id: "content-state", role: "status", "aria-live": "polite", text: "Not sharing." });
    this.sharing = false;

    this.cards = [
      card("Far camera", row(field("Participant", this.peer), this.ask), this.camState, this.pad, this.asks),
      card("Dial pad", this.keys, row(field("Tones received", this.tones))),
      card("Recording", this.recordState, row(this.start, this.stop), this.recordAsks),
      card("Share content", row(field("Slideshow, screen or window", this.source), this.sources), row(this.share, this.unshare), this.contentState),
    ];
    this.follow(ctx);
    this.render();
  }

  call(method, params = {}) {
    return this.ctx.api.call(method, params);
  }

  follow(ctx) {
    ctx.on("newParticipantInConference", (msg) => {
      if (msg.peerId !== this.own) this.peers.set(msg.peerId, msg.peerDn || msg.peerId);
      this.render();
    });
    ctx.on("participantLeftConference", (msg) => this.forget(msg.peerId));
    ctx.on("conferenceDeleted", () => {
      this.peers.clear();
      this.controlled.clear();
      clear(this.asks);
      clear(this.recordAsks);
      this.render();
    });
    ctx.on("requestCameraControlSent", (msg) => this.say(`Asked ${this.name(msg.callId)}; waiting for the answer…`));
    ctx.on("outgoingRequestCameraControlAccepted", (msg) => {
      this.controlled.add(msg.callId);
      this.say(`You control the camera of ${this.name(msg.callId)}.`);
    });
    ctx.on("outgoingRequestCameraControlRejected", (msg) => this.say(`${this.name(msg.callId)} did not give camera control (reason ${msg.reason}).`));
    ctx.on("remotelyControlledCameraNotAvailableAnymore", (msg) => {
      this.controlled.delete(msg.callId);
      this.say(`The camera of ${this.name(msg.callId)} is no longer under your control.`);
    });
    ctx.on("requestCameraControlReceived", (msg) => this.askItem(this.asks, msg.callId, `${this.name(msg.callId)} asks to control this room's camera`, "acceptRequestCameraControl", "rejectRequestCameraControl", "callId"));
    for (const name of ["incomingRequestCameraControlAccepted", "incomingRequestCameraControlRejected"]) ctx.on(name, (msg) => this.dropItem(this.asks, msg.callId));

    ctx.on("toneDial", (msg) => {
      const ours = this.pressed.indexOf(msg.symbol);
      if (ours >= 0) this.pressed.splice(ours, 1);
      else this.tones.value = (this.tones.value + msg.symbol).slice(-32);
    });

    ctx.on("appStateChanged", (msg) => {
      if ("recording" in msg) this.recordState.textContent = msg.recording ? "Recording…" : "Not recording.";
    });
    ctx.on("recordPermissionReceived", (msg) => !msg.recordAllowed && (this.recordState.textContent = `${this.name(msg.peerId)} did not allow recording.`));
    ctx.on("recordingStopped", (msg) => (this.recordState.textContent = `Saved as ${msg.fileName} (file ${msg.fileId}, ${msg.duration} s).`));
    ctx.on("recordRequest", (msg) => this.askItem(this.recordAsks, msg.peerId, `${msg.peerDn || msg.peerId} asks to record this room`, "allowRecord", "denyRecord", "peerId"));
    ctx.on("recordRequestReply", (msg) => this.dropItem(this.recordAsks, msg.peerId));
    ctx.on("dsStarted", (msg) => {
      this.sharing = true;
      this.say(`Sharing ${msg.name}.`, this.contentState);
    });
    ctx.on("dsStopped", () => {
      this.sharing = false;
      this.say("Not sharing.", this.contentState);
    });
    ctx.on("contentSharingStoppedByConferenceLeader", () => this.say("The meeting's owner stopped the sharing.", this.contentState));
    ctx.on("extraVideoFlowNotify", (msg) => !this.sharing && this.say(msg.extraVideo ? `${this.name(msg.peerId)} shares content.` : "Not sharing.", this.contentState));
    ctx.on("userRecordingMeStatusChanged", (msg) => this.say(`${this.name(msg.peerId)} ${msg.status ? "is recording" : "stopped recording"} this room.`, this.recordState));
  }

  // toneDial is announced on both sides: the room announces the symbols it sent before it
  // answers, so a press is remembered first and its own notification is not shown as received.
  async press(b, key) {
    this.pressed.push(key);
    const reply = await act(b, () => this.call("toneDial", { callId: this.peer.value, symbol: key }));
    if (!reply.result) {
      const index = this.pressed.indexOf(key);
      if (index >= 0) this.pressed.splice(index, 1);
    }
  }

  name(id) {
    return this.peers.get(id) || id;
  }

  say(text, where = this.camState) {
    where.textContent = text;
    this.render();
  }

  forget(id) {
    this.peers.delete(id);
    this.controlled.delete(id);
    this.render();
  }

  askItem(list, id, text, yes, no, param) {
    this.dropItem(list, id);
    list.append(
      h(
        "li",
        { dataset: { peer: id } },
        row(
          h("span", { text }),
          button("Allow", (b) => act(b, () => this.call(yes, { [param]: id })), { class: "primary", dataset: { answer: "allow" } }),
          button("Refuse", (b) => act(b, () => this.call(no, { [param]: id })), { class: "danger", dataset: { answer: "refuse" } })
        )
      )
    );
  }

  dropItem(list, id) {
    for (const item of list.querySelectorAll("li")) if (item.dataset.peer === id) item.remove();
  }

  render() {
    const chosen = this.peer.value;
    clear(this.peer, ...[...this.peers].map(([id, dn]) => h("option", { value: id, text: dn })));
    if (this.peers.has(chosen)) this.peer.value = chosen;
    const inCall = this.peers.size > 0;
    this.ask.disabled = !inCall;
    for (const b of this.pad.querySelectorAll("button")) b.disabled = !this.controlled.has(this.peer.value);
    for (const b of this.keys.querySelectorAll("button")) b.disabled = !inCall;
    this.start.disabled = !inCall;
    this.share.disabled = !inCall || !this.source.value;
    this.unshare.disabled = !this.sharing;
  }

  async loadSources() {
    const hardware = await this.call("getHardware");
    const chosen = this.source.value;
    clear(this.source, ...(hardware.result ? hardware.DSCaptureList : []).map((c) => h("option", { value: String(c.id), text: c.name })));
    if ([...this.source.options].some((o) => o.value === chosen)) this.source.value = chosen;
    this.render();
    return hardware;
  }

  async load() {
    const [people, cams, asks, state] = await Promise.all(
      ["getConferenceParticipants", "getRemotelyControlledCameras", "getIncomingCameraControlRequests", "getAppState"].map((m) => this.call(m))
    );
    this.peers.clear();
    if (people.result) {
      const [me, ...others] = people.participants;
      this.own = me ? me.peerId : "";
      for (const p of others) this.peers.set(p.peerId, p.peerDn || p.peerId);
    }
    this.controlled = new Set(cams.result ? cams.callIdList : []);
    clear(this.asks);
    for (const id of asks.result ? asks.callIdList : []) this.askItem(this.asks, id, `${this.name(id)} asks to control this room's camera`, "acceptRequestCameraControl", "rejectRequestCameraControl", "callId");
    if (state.result) this.recordState.textContent = state.recording ? "Recording…" : "Not recording.";
    await this.loadSources();
  }
}
