// The room's own slideshow, full-screen while it runs: the current slide's picture from the room's
// HTTP server (/slides/<fileId>), fetched with the screen's token. Every slideshow notification
// makes the screen re-read getSlideShowInfo; when answers overlap, only the newest one is drawn.

// Notifications after which the slide on show may have changed (relayed by web/screen.py).
export const SLIDE_EVENTS = [
  "mySlideShowStarted",
  "mySlideShowStopped",
  "mySlideShowTitleChanged",
  "currentSlideIndexChanged",
  "slideUploaded",
  "slideRemoved",
  "slidePositionChanged",
  "slidesSorted",
  "allSlidesRemoved",
];

const BOX_STYLE = "position:fixed;inset:0;background:#000;display:flex;align-items:center;justify-content:center;";
const IMG_STYLE = "width:100%;height:100%;object-fit:contain;display:block;";

async function fetchPicture(path, tokens) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await tokens.get();
    const resp = await fetch(`${path}?token=${encodeURIComponent(token)}`, { cache: "no-store" });
    if (resp.ok) return URL.createObjectURL(await resp.blob());
    if (resp.status !== 401 && resp.status !== 403) throw new Error(`${path}: HTTP ${resp.status}`);
    tokens.expired(token);
  }
  throw new Error(`${path}: token refused`);
}

export class SlideShow {
  // `before`: the element the slide goes under (the call banner stays on top of it).
  constructor(tokens, before) {
    this.tokens = tokens;
    this.el = Object.assign(document.createElement("div"), { id: "slideshow", hidden: true });
    this.el.style.cssText = BOX_STYLE;
    this.img = Object.assign(document.createElement("img"), { alt: "slide" });
    this.img.style.cssText = IMG_STYLE;
    this.el.append(this.img);
    document.body.insertBefore(this.el, before);
    this.shown = null; // path of the picture on show
    this.objectUrl = null;
    this.generation = 0;
  }

  async refresh(channel) {
    const generation = ++this.generation;
    const info = await channel.call("getSlideShowInfo");
    if (generation !== this.generation || !info.result) return;
    const slide = info.started ? (info.slides || []).find((s) => s.idx === info.currentSlideIdx) : null;
    if (!slide || !slide.url) {
      this.hide();
      return;
    }
    // Same origin as this page, whichever address the room put into the URL.
    const path = new URL(slide.url, location.href).pathname;
    if (path !== this.shown) {
      const url = await fetchPicture(path, this.tokens);
      if (generation !== this.generation) {
        URL.revokeObjectURL(url);
        return;
      }
      this.img.src = url;
      await this.img.decode().catch(() => {}); // rejects when a newer slide replaced this one meanwhile
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = url;
      this.shown = path;
      if (generation !== this.generation) return;
    }
    this.el.dataset.title = info.title || "";
    this.el.hidden = false;
    document.body.dataset.slide = String(slide.fileId);
  }

  hide() {
    this.el.hidden = true;
    this.shown = null;
    this.img.removeAttribute("src");
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
    document.body.dataset.slide = "";
  }
}
