// A small client of the room's JSON-over-WebSocket protocol, shared by the manager and the screen.
// Commands are matched to replies by requestId; notifications go to listeners by event name.

const REPLY_TIMEOUT_MS = 15000;

export class Channel {
  constructor(url) {
    this.url = url;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map(); // event name -> Set of functions; "*" gets every message
    this.onclose = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => resolve(this);
      ws.onerror = () => reject(new Error(`cannot connect to ${this.url}`));
      ws.onmessage = (e) => this.receive(e.data);
      ws.onclose = () => {
        for (const [, p] of this.pending) p.resolve({ result: false, error: "connection to the room closed" });
        this.pending.clear();
        if (this.ws === ws && this.onclose) this.onclose();
      };
    });
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.method === "event") {
      for (const fn of this.listeners.get(msg.event) || []) fn(msg);
      for (const fn of this.listeners.get("*") || []) fn(msg);
      return;
    }
    const waiter = this.pending.get(String(msg.requestId));
    if (waiter) {
      this.pending.delete(String(msg.requestId));
      waiter.resolve(msg);
    }
  }

  // Resolves with the reply; a failure is a reply with result:false and an error text, never a throw.
  call(method, params = {}) {
    if (!this.connected) return Promise.resolve({ method, result: false, error: "not connected to the room" });
    const requestId = String(this.nextId++);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve({ method, result: false, error: `no reply from the room in ${REPLY_TIMEOUT_MS / 1000} s` });
      }, REPLY_TIMEOUT_MS);
      this.pending.set(requestId, {
        resolve: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
      });
      this.ws.send(JSON.stringify({ method, requestId, ...params }));
    });
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.listeners.get(event).delete(fn);
  }
}

// Reads the room's ports from /public/<instance>/config.json on the server that served the page.
export async function discover(instance) {
  const resp = await fetch(`/public/${encodeURIComponent(instance)}/config.json`, { cache: "no-store" });
  if (!resp.ok) throw new Error(`no instance '${instance}' on this server (HTTP ${resp.status})`);
  const doc = await resp.json();
  const ws = doc?.config?.websocket?.port;
  const http = doc?.config?.http?.port;
  if (!ws || !http) throw new Error("config.json lacks the WebSocket or HTTP port");
  return { wsPort: ws, httpPort: http };
}

export function wsUrl(port) {
  const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
  return `ws://${host}:${port}/`;
}

// URLs of the built-in HTTP server's images (same origin as the page).
export function frameUrl(peerId, token) {
  return `/frames/?peerId=${encodeURIComponent(peerId)}&token=${encodeURIComponent(token)}`;
}

export function fileUrl(fileId, token) {
  return `/files/${encodeURIComponent(fileId)}?token=${encodeURIComponent(token)}`;
}
