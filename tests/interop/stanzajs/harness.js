// A StanzaJS client in the page, driven by tests/support/stanzajs_driver.py through `window.harness`.
//
// Only StanzaJS's public API is used (createClient, client.jingle.createMediaSession, the
// MediaSession methods and the jingle:* events); the media is Chromium's own WebRTC with its fake
// camera and microphone. Everything the test wants to know is recorded in `events`.
import * as XMPP from 'stanza';
import { convertIntermediateToRequest, convertRequestToIntermediate } from 'stanza/jingle/sdp/Protocol';

const state = { client: null, session: null, stream: null, events: [], presences: new Set(), sessions: new Map(), autoAccept: false };

function note(kind, data = {}) {
  state.events.push({ kind, t: Date.now(), ...data });
}

async function localStream() {
  if (!state.stream) {
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
  }
  return state.stream;
}

function addLocalTracks(session, stream) {
  for (const track of stream.getTracks()) {
    session.addTrack(track, stream);
  }
}

function follow(session) {
  state.session = session;
  state.sessions.set(session.sid, session);
  session.pc.addEventListener('connectionstatechange', () => {
    note('connection', { state: session.pc.connectionState, sid: session.sid, peer: session.peerID });
  });
}

async function receivedOf(pc) {
  const out = { video: 0, audio: 0, framesDecoded: 0 };
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind in out) {
      out[r.kind] += r.bytesReceived || 0;
      if (r.kind === 'video') {
        out.framesDecoded += r.framesDecoded || 0;
      }
    }
  });
  return out;
}

function midOf(kind) {
  const transceiver = state.session.pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
  return transceiver ? transceiver.mid : '';
}

window.harness = {
  async connect(jid, password, url) {
    const client = XMPP.createClient({
      jid,
      password,
      resource: 'web',
      transports: { websocket: url, bosh: false },
      jingle: { iceServers: [] }, // StanzaJS would add a public STUN server by default
    });
    state.client = client;
    client.on('subscribe', (pres) => {
      client.acceptSubscription(pres.from);
      client.subscribe(pres.from);
      note('subscribe', { from: pres.from });
    });
    client.on('message', (msg) => note('message', { from: msg.from, body: msg.body || '' })); // e.g. a JMI propose
    client.on('available', (pres) => state.presences.add(pres.from));
    client.on('unavailable', (pres) => state.presences.delete(pres.from));
    client.on('iq:set:jingle', (iq) => {
      const info = iq.jingle.info ? iq.jingle.info.infoType : '';
      note('jingle-in', { action: iq.jingle.action, from: iq.from, info });
    });
    client.on('jingle:incoming', (session) => {
      follow(session);
      note('incoming', { from: session.peerID, sid: session.sid });
      session.ring();
      if (state.autoAccept) {
        localStream().then((stream) => {
          addLocalTracks(session, stream);
          return session.accept();
        });
      }
    });
    client.on('jingle:outgoing', (session) => note('outgoing', { to: session.peerID, sid: session.sid }));
    client.on('jingle:ringing', () => note('ringing'));
    client.on('jingle:accepted', () => note('accepted'));
    client.on('jingle:terminated', (session, reason) => {
      note('terminated', { sid: session.sid, reason: reason ? reason.condition : '' });
    });
    client.on('jingle:mute', (session, info) => note('mute', { name: info.name || '', creator: info.creator || '' }));
    client.on('jingle:unmute', (session, info) => note('unmute', { name: info.name || '', creator: info.creator || '' }));
    const online = new Promise((resolve, reject) => {
      client.on('session:started', async () => {
        try {
          await client.getRoster();
          client.updateCaps();
          await client.sendPresence({ legacyCapabilities: client.disco.getCaps() });
          note('online', { jid: client.jid });
          resolve(client.jid);
        } catch (err) {
          reject(err);
        }
      });
      client.on('auth:failed', () => reject(new Error('auth failed')));
    });
    client.connect();
    return await online;
  },

  async call(jid) {
    const stream = await localStream();
    const session = state.client.jingle.createMediaSession(jid);
    follow(session);
    addLocalTracks(session, stream);
    await session.start();
    return session.sid;
  },

  async accept() {
    const stream = await localStream();
    addLocalTracks(state.session, stream);
    await state.session.accept();
  },

  async mute(kind) {
    const track = state.stream.getTracks().find((t) => t.kind === kind);
    track.enabled = false;
    const name = midOf(kind);
    await state.session.mute('initiator', name);
    return name;
  },

  async unmute(kind) {
    const track = state.stream.getTracks().find((t) => t.kind === kind);
    track.enabled = true;
    const name = midOf(kind);
    await state.session.unmute('initiator', name);
    return name;
  },

  async holdAndResume() {
    await state.session.hold();
    await state.session.resume();
    return state.session.state;
  },

  sessionState() {
    return state.session ? state.session.state : '';
  },

  hangUp() {
    state.session.end('success');
  },

  async stats() {
    const out = { received: { audio: 0, video: 0 }, sent: { audio: 0, video: 0 }, framesDecoded: 0, pair: null };
    if (!state.session) {
      return out;
    }
    const pc = state.session.pc;
    out.connection = pc.connectionState;
    const reports = await pc.getStats();
    const byId = new Map();
    reports.forEach((r) => byId.set(r.id, r));
    reports.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind in out.received) {
        out.received[r.kind] += r.bytesReceived || 0;
        if (r.kind === 'video') {
          out.framesDecoded += r.framesDecoded || 0;
        }
      } else if (r.type === 'outbound-rtp' && r.kind in out.sent) {
        out.sent[r.kind] += r.bytesSent || 0;
      } else if (r.type === 'transport' && r.selectedCandidatePairId) {
        const pair = byId.get(r.selectedCandidatePairId);
        const local = pair && byId.get(pair.localCandidateId);
        const remote = pair && byId.get(pair.remoteCandidateId);
        if (local && remote) {
          out.pair = { local: local.address, remote: remote.address, remoteType: remote.candidateType };
        }
      }
    });
    return out;
  },

  // StanzaJS's own translation between SDP and Jingle XML (what its sessions send and read)
  jingleToSdp(iqXml) {
    const stanzas = (state.client || XMPP.createClient({})).stanzas;
    const iq = stanzas.import(XMPP.JXT.parse(iqXml));
    return XMPP.Jingle.exportToSDP(convertRequestToIntermediate(iq.jingle, 'initiator'));
  },

  sdpToJingle(sdp) {
    const stanzas = (state.client || XMPP.createClient({})).stanzas;
    const jingle = convertIntermediateToRequest(XMPP.Jingle.importFromSDP(sdp), 'initiator', XMPP.Namespaces.NS_JINGLE_ICE_UDP_1);
    jingle.action = 'session-initiate';
    jingle.sid = 'stanzajs-sid';
    return stanzas.export('iq', { type: 'set', id: 'x', jingle }).toString();
  },

  // group conferences: a plain XEP-0045 occupant that answers every Jingle call at once
  async joinRoom(room, nick) {
    state.autoAccept = true;
    await localStream();
    const joined = await state.client.joinRoom(room, nick);
    return joined.from;
  },

  async leaveRoom(room) {
    await state.client.leaveRoom(room);
  },

  // the room then sees no Jingle RTP in our disco#info: it waits for us to call it
  hideJingleMedia() {
    const features = state.client.disco.features.get('');
    for (const feature of [...features]) {
      if (feature.startsWith('urn:xmpp:jingle:apps:rtp')) {
        features.delete(feature);
      }
    }
    state.client.updateCaps();
  },

  async sessionStats() {
    const out = [];
    for (const [sid, session] of state.sessions) {
      const ended = session.state === 'ended';
      const received = ended ? null : await receivedOf(session.pc);
      out.push({ sid, peer: session.peerID, state: session.state, connection: session.pc.connectionState, received });
    }
    return out;
  },

  events() {
    return state.events;
  },

  presences() {
    return [...state.presences];
  },
};
