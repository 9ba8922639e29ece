// Devices: camera, microphone and speaker choice with a live self view; PTZ and presets.

import { frameUrl } from "../../api.js";
import { act, button, card, clear, field, h, row, showError } from "../ui.js";

const KINDS = [
  ["videoCapturers", "currentVideoCapturer", "setVideoCapturer", "Camera"],
  ["audioCapturers", "currentAudioCapturer", "setAudioCapturer", "Microphone"],
  ["audioRenderers", "currentAudioRenderer", "setAudioRenderer", "Speaker"],
];
const PTZ = [
  ["ptzUp", "Up"],
  ["ptzLeft", "Left"],
  ["ptzStop", "Stop"],
  ["ptzRight", "Right"],
  ["ptzDown", "Down"],
  ["ptzZoomInc", "Zoom in"],
  ["ptzZoomDec", "Zoom out"],
];
const PREVIEW_MS = 200;

export default {
  id: "devices",
  title: "Devices",
  admin: false,

  build(ctx, el) {
    this.selects = {};
    const rows = KINDS.map(([list, , setter, label]) => {
      const select = h("select", { id: `dev-${list}` });
      select.addEventListener("change", () => {
        const [name, description] = JSON.parse(select.value);
        act(select, () => ctx.api.call(setter, { name, description }));
      });
      this.selects[list] = select;
      return row(field(label, select));
    });
    ctx.on("hardwareChanged", (msg) => this.fill(msg));
    for (const name of ["videoCapturerPresetAdded", "videoCapturerPresetUpdated", "videoCapturerPresetRemoved"]) {
      ctx.on(name, () => this.loadPresets(ctx));
    }

    this.preview = h("img", { class: "preview", alt: "Camera preview", id: "preview" });
    this.previewNote = h("p", { class: "hint" });
    const ptz = h("div", { class: "ptz" }, ...PTZ.map(([cmd, label]) => button(label, (b) => act(b, () => ctx.api.call(cmd)), { dataset: { ptz: cmd } })));
    this.presets = h("ul", { class: "presets" });
    const save = button("Save current position as preset", (b) => act(b, () => ctx.api.call("addPresetFromCurrentVideoCapturer")));
    el.append(
      card("Devices", ...rows),
      card("Camera preview", this.preview, this.previewNote),
      card("Camera control (PTZ)", row(ptz), row(save), this.presets)
    );
  },

  fill(hw) {
    for (const [list, current] of KINDS) {
      const select = this.selects[list];
      const items = hw[list] || [];
      clear(select, ...items.map((d) => h("option", { value: JSON.stringify([d.name, d.description]), text: d.name })));
      const chosen = JSON.stringify([hw[`${current}Name`], hw[`${current}Description`]]);
      if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
    }
  },

  // The self view refreshes only while this section is on screen.
  shown(ctx, visible) {
    clearTimeout(this.timer);
    if (!visible) return;
    const tick = async () => {
      try {
        if (!this.token) this.token = await ctx.httpToken();
        const resp = await fetch(frameUrl("#self:0", this.token), { cache: "no-store" });
        if (resp.ok) {
          const url = URL.createObjectURL(await resp.blob());
          const old = this.preview.src;
          this.preview.src = url;
          if (old.startsWith("blob:")) URL.revokeObjectURL(old);
          this.previewNote.textContent = "";
        } else {
          if (resp.status === 401 || resp.status === 403) this.token = null;
          this.previewNote.textContent = `No camera picture yet (HTTP ${resp.status}).`;
        }
      } catch (err) {
        this.previewNote.textContent = `No camera picture: ${err.message}`;
      }
      if (!document.querySelector("#sec-devices")?.hidden) this.timer = setTimeout(tick, PREVIEW_MS);
    };
    tick();
  },

  async loadPresets(ctx) {
    const reply = await ctx.api.call("getAllVideoCapturerPresets");
    if (!reply.result) {
      clear(this.presets, h("li", { class: "hint", text: reply.error }));
      return;
    }
    const list = reply.presets || [];
    clear(
      this.presets,
      ...list.map((p) =>
        row(
          h("span", { class: "contact", text: `Preset ${p.presetId} — ${p.videoCapturerName || ""}` }),
          button("Apply", (b) => act(b, () => ctx.api.call("applyVideoCapturerPreset", { presetId: p.presetId }))),
          button("Remove", (b) => act(b, () => ctx.api.call("removeVideoCapturerPreset", { presetId: p.presetId })))
        )
      )
    );
  },

  async load(ctx) {
    const hw = await ctx.api.call("getHardware");
    if (hw.result) this.fill(hw);
    else showError(this.selects.videoCapturers, hw.error);
    await this.loadPresets(ctx);
  },
};
