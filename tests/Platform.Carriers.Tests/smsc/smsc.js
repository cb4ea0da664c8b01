'use strict';
// A real SMPP 3.4 SMSC (npm "smpp" 0.5.1) for the carrier tests and the throughput benchmark.
// Usage: node smsc.js <port>      (listens on 127.0.0.1 only)
// Control: one JSON object a line on stdin; each is answered with "OK <cmd>" (or "STATS {...}") on stdout:
//   {"cmd":"inbound","from":"46700000001","to":"12345","text":"hi","coding":"gsm"|"ucs2"}  send a mobile-originated deliver_sm
//   {"cmd":"throttle","count":N}     answer the next N submit_sm with ESME_RTHROTTLED
//   {"cmd":"delay","ms":N}           answer submit_sm after N ms (fills the client's window)
//   {"cmd":"receiptFirst","on":true} send the receipt before the submit_sm_resp
//   {"cmd":"raw","hex":"..."}        write raw octets to every session (malformed PDUs)
//   {"cmd":"drop"}                   drop every connection (reconnect tests)
//   {"cmd":"dropEvery","every":N,"answer":true|false,"times":K}
//                                    connection drops: on every Nth submit_sm received (counted from this command),
//                                    answer it and close the connection at once (answer:true), or close without
//                                    answering it (answer:false); at most K drops (0: no limit). {"every":0} turns it off.
//   {"cmd":"received"}               "RECEIVED [...]": the destination of every submit_sm received since the last reset
//   {"cmd":"duplicates"}             "DUPLICATES {...}": received/distinct counts and the destinations received twice or more
//   {"cmd":"lags"}                   "LAGS {count,p50,p99,max}": ms from each receipt's deliver_sm to its deliver_sm_resp
//   {"cmd":"stats"} / {"cmd":"reset"}
// Rules: destination ending in 15 -> ESME_RINVDSTADR; ending in 13 -> receipt stat:UNDELIV.
const smpp = require('smpp');
const readline = require('readline');

const port = parseInt(process.argv[2], 10);
if (!(port > 0)) {
  console.error('usage: node smsc.js <port>');
  process.exit(2);
}

let nextId = 1;
let throttleNext = 0;
let delayMs = 0;
let receiptFirst = false;
let dropEvery = 0, dropAnswer = true, dropTimes = 0, dropCount = 0, dropSeen = 0;
// Every destination a submit_sm arrived for, in arrival order, also ones arriving on a connection being dropped: the
// SMSC's own log, against which the tests count numbers that received a message twice.
let received = [];
// For each delivery receipt answered since the last reset: ms from sending its deliver_sm to its deliver_sm_resp (the
// client acknowledges a receipt once it has stored it, so this is how far stored receipts trail their arrival).
let receiptLagsMs = [];
let stats;
function resetStats() {
  stats = { binds: [], submits: 0, throttled: 0, outstanding: 0, maxOutstanding: 0, genericNacks: [], deliverSmResps: 0, receiptsSent: 0,
            deliverSmRespErrors: [], unbinds: 0, enquireLinks: 0, lastSubmit: null, drops: 0, unansweredOnDrop: 0 };
  received = [];
}
resetStats();
const sessions = new Set();

function pad(n) { return String(n).padStart(2, '0'); }
function smppDate(d) {
  return pad(d.getUTCFullYear() % 100) + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) + pad(d.getUTCMinutes());
}

function receiverFor(session) {
  if (session.boundAs !== 'bind_transmitter') return session;
  for (const s of sessions) if (s.boundAs === 'bind_receiver' || s.boundAs === 'bind_transceiver') return s;
  return null;
}

// Receipts sent while connection drops are enabled and not yet acknowledged: like a real SMSC (store and forward), they
// are sent again to the next receiver that binds, so a dropped connection loses no receipt.
const unackedReceipts = new Map();

function sendReceipt(session, submit, id) {
  if (dropEvery > 0) unackedReceipts.set(id, submit);
  const target = receiverFor(session);
  if (!target || target.dropping) return;
  const failed = submit.destination_addr.endsWith('13');
  const now = smppDate(new Date());
  const sentAt = process.hrtime.bigint();
  stats.receiptsSent++;
  const text = `id:${id} sub:001 dlvr:${failed ? '000' : '001'} submit date:${now} done date:${now} ` +
               `stat:${failed ? 'UNDELIV' : 'DELIVRD'} err:${failed ? '001' : '000'} text:`;
  target.deliver_sm({
    source_addr: submit.destination_addr,
    destination_addr: submit.source_addr,
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, 'latin1'),
    receipted_message_id: id,
    message_state: failed ? 5 : 2,
  }, (resp) => {
    if (!resp.command_status) unackedReceipts.delete(id);
    receiptLagsMs.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
  });
}

function redeliverReceipts(session) {
  for (const [id, submit] of [...unackedReceipts]) sendReceipt(session, submit, id);
}

function onSubmit(session, pdu) {
  stats.submits++;
  session.counts.submits++;
  received.push(String(pdu.destination_addr));
  if (session.dropping) {
    // Already closing (a PDU that was in the same read): the SMSC has it but can no longer answer.
    stats.unansweredOnDrop++;
    return;
  }
  if (dropEvery > 0 && (dropTimes === 0 || dropCount < dropTimes) && ++dropSeen % dropEvery === 0) {
    dropCount++;
    stats.drops++;
    session.dropping = true;
    if (dropAnswer) {
      // Answer, then close at once: the SMSC ("closes the connection right after answering a submit").
      const id = (nextId++).toString(16).padStart(8, '0');
      session.send(pdu.response({ message_id: id }));
      session.socket.end();
      if ((pdu.registered_delivery & 0x01) !== 0) unackedReceipts.set(id, pdu); // sent after the next bind
    } else {
      stats.unansweredOnDrop++;
      session.socket.destroy();
    }
    return;
  }
  stats.lastSubmit = { source_addr: pdu.source_addr, destination_addr: pdu.destination_addr, esm_class: pdu.esm_class,
                       data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery,
                       source_addr_ton: pdu.source_addr_ton, dest_addr_ton: pdu.dest_addr_ton };
  if (throttleNext > 0) {
    throttleNext--;
    stats.throttled++;
    session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
    return;
  }
  if (String(pdu.destination_addr).endsWith('15')) {
    session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
    return;
  }
  const id = (nextId++).toString(16).padStart(8, '0');
  const wantsReceipt = (pdu.registered_delivery & 0x01) !== 0;
  stats.outstanding++;
  stats.maxOutstanding = Math.max(stats.maxOutstanding, stats.outstanding);
  session.counts.outstanding++;
  session.counts.maxOutstanding = Math.max(session.counts.maxOutstanding, session.counts.outstanding);
  const answer = () => {
    stats.outstanding--;
    session.counts.outstanding--;
    if (session.dropping) { stats.unansweredOnDrop++; return; }
    if (wantsReceipt && receiptFirst) sendReceipt(session, pdu, id);
    session.send(pdu.response({ message_id: id }));
    if (wantsReceipt && !receiptFirst) sendReceipt(session, pdu, id);
  };
  if (delayMs > 0) setTimeout(answer, delayMs); else answer();
}

const server = smpp.createServer((session) => {
  sessions.add(session);
  // Per connection, for "bySession" in stats: submit_sm received, and outstanding now and at most (its window in use).
  session.counts = { submits: 0, outstanding: 0, maxOutstanding: 0 };
  session.on('error', (e) => console.error('session error: ' + e.message));
  session.on('close', () => sessions.delete(session));
  for (const cmd of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
    session.on(cmd, (pdu) => {
      stats.binds.push({ cmd, system_id: pdu.system_id, password: pdu.password, interface_version: pdu.interface_version });
      session.boundAs = cmd;
      session.send(pdu.response({ system_id: 'TESTSMSC' }));
      if (cmd !== 'bind_transmitter') redeliverReceipts(session);
    });
  }
  session.on('enquire_link', (pdu) => { stats.enquireLinks++; session.send(pdu.response()); });
  session.on('unbind', (pdu) => { stats.unbinds++; session.send(pdu.response()); session.close(); });
  session.on('generic_nack', (pdu) => stats.genericNacks.push(pdu.command_status));
  session.on('deliver_sm_resp', (pdu) => {
    stats.deliverSmResps++;
    if (pdu.command_status) stats.deliverSmRespErrors.push(pdu.command_status);
  });
  session.on('submit_sm', (pdu) => onSubmit(session, pdu));
});
server.on('error', (e) => { console.error('server error: ' + e.message); process.exit(1); });
server.listen(port, '127.0.0.1', () => console.log('LISTENING ' + port));

function inbound(c) {
  // The most recently bound receiver: earlier ones may belong to carriers that are shutting down.
  const target = [...sessions].reverse().find((s) => s.boundAs === 'bind_receiver' || s.boundAs === 'bind_transceiver');
  if (!target) return false;
  const ucs2 = c.coding === 'ucs2';
  target.deliver_sm({
    source_addr: c.from,
    destination_addr: c.to,
    esm_class: 0,
    data_coding: ucs2 ? 8 : 0,
    short_message: ucs2 ? Buffer.from(Buffer.from(c.text, 'utf16le').swap16()) : c.text,
  });
  return true;
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let c;
  try { c = JSON.parse(line); } catch (e) { console.log('ERR bad json'); return; }
  switch (c.cmd) {
    case 'inbound': console.log(inbound(c) ? 'OK inbound' : 'ERR no receiver bound'); return;
    case 'throttle': throttleNext = c.count | 0; break;
    case 'delay': delayMs = c.ms | 0; break;
    case 'receiptFirst': receiptFirst = !!c.on; break;
    case 'raw': for (const s of sessions) s.socket.write(Buffer.from(c.hex, 'hex')); break;
    case 'drop': for (const s of sessions) s.destroy(); break;
    case 'reset': for (const s of sessions) s.counts = { submits: 0, outstanding: s.counts.outstanding, maxOutstanding: 0 }; resetStats(); receiptLagsMs = []; throttleNext = 0; delayMs = 0; receiptFirst = false; dropEvery = 0; unackedReceipts.clear(); break;
    case 'dropEvery':
      dropEvery = c.every | 0; dropAnswer = c.answer !== false; dropTimes = c.times | 0; dropCount = 0; dropSeen = 0;
      break;
    case 'received': console.log('RECEIVED ' + JSON.stringify(received)); return;
    case 'duplicates': {
      const counts = new Map();
      for (const d of received) counts.set(d, (counts.get(d) || 0) + 1);
      const twice = {};
      for (const [d, n] of counts) if (n > 1) twice[d] = n;
      console.log('DUPLICATES ' + JSON.stringify({ received: received.length, distinct: counts.size, twice }));
      return;
    }
    case 'lags': {
      const sorted = Float64Array.from(receiptLagsMs).sort();
      const at = (p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : 0;
      console.log('LAGS ' + JSON.stringify({ count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] : 0 }));
      return;
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      console.log('STATS ' + JSON.stringify({ ...stats, sessions: sessions.size, bySession: [...sessions].filter((x) => x.boundAs).map((x) => ({ boundAs: x.boundAs, ...x.counts })), cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000 }));
      return;
    }
    default: console.log('ERR unknown cmd ' + c.cmd); return;
  }
  console.log('OK ' + c.cmd);
});
process.stdin.on('end', () => process.exit(0));
