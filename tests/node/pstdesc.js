#!/usr/bin/env node
// tests/node/pstdesc.js FILE.pst - describe a PST as the npm package
// pst-extractor reads it, in the format of tests/PSTDESC.md (unsorted: pipe
// through LC_ALL=C sort).  Exit 0 ok, 2 when the file can not be read.
//
// pst-extractor lists a folder's messages from its contents table (up to
// PidTagContentCount), folders from the hierarchy tables.  The top folder
// is the IPM subtree named by the store's PidTagIpmSubTreeEntryId.
// Sender name: PidTagSenderName (0x0C1A), else PidTagSentRepresentingName
// (0x0042); sender email: 0x0C1F, else 0x0065 (as the other describers).
// With PSTDESC_DETAILS=1 in the environment also P records (item details
// of appointments, contacts and tasks) as tests/PSTDESC.md lists them.
'use strict';

const crypto = require('crypto');
let PSTFile, PSTRecipient;
try {
  ({ PSTFile } = require('pst-extractor'));
  ({ PSTRecipient } = require('pst-extractor/dist/PSTRecipient.class'));
} catch (e) {
  process.stderr.write('pstdesc.js: pst-extractor is not installed (run npm install in tests/node)\n');
  process.exit(77);
}

const out = [];

function text(s) {
  if (s === null || s === undefined) return '';
  s = String(s).replace(/\0+$/, '');
  let r = '';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '\\') r += '\\\\';
    else if (ch === '\t') r += '\\t';
    else if (ch === '\n') r += '\\n';
    else if (ch === '\r') r += '\\r';
    else if (c < 0x20 || c === 0x7f) r += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else r += ch;
  }
  return r;
}

function sha(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function pathJoin(parent, name) {
  // "/" and "\" inside a name get a backslash (as tests/export-desc does);
  // the path is then escaped like any text field.
  const n = String(name || '').replace(/\0+$/, '').replace(/[/\\]/g, '\\$&');
  return parent === null ? n : parent + '/' + n;
}

function senderName(m) {
  return m.senderName || m.sentRepresentingName || '';
}

function senderEmail(m) {
  return m.senderEmailAddress || m.sentRepresentingEmailAddress || '';
}

function attachData(a) {
  const item = a.pstTableItems ? a.pstTableItems.get(0x3701) : null;
  if (!item) return Buffer.alloc(0);
  if (!item.isExternalValueReference) return Buffer.from(item.data);
  const s = a.fileInputStream;
  if (!s) return Buffer.alloc(0);
  const b = Buffer.alloc(s.length.toNumber());
  s.readCompletely(b);
  return b;
}

function recipientType(t) {
  return t === 1 ? 'to' : t === 2 ? 'cc' : t === 3 ? 'bcc' : String(t);
}

const wantDetails = process.env.PSTDESC_DETAILS === '1';

function utc(d) {
  if (!d || isNaN(d.getTime())) return null;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

// P records: what a reader must give back of an item's details.
function details(path, subject, m) {
  const cls = m.messageClass || '';
  const p = (key, v) => {
    if (v === null || v === undefined || v === '') return;
    out.push(['P', text(path), text(subject), key, text(v)].join('\t'));
  };
  if (cls.startsWith('IPM.Appointment')) {
    p('start', utc(m.startTime));
    p('end', utc(m.endTime));
    p('location', m.location);
    // PidLidBusyStatus only when the item has one (the getter says 0 otherwise)
    if (m.pstTableItems && m.pstTableItems.has(m.pstFile.getNameToIdMapItem(0x8205, 4)))
      p('busy', String(m.busyStatus));
  } else if (cls.startsWith('IPM.Contact')) {
    p('file-as', m.fileUnder);
    p('given', m.givenName);
    p('surname', m.surname);
    p('company', m.companyName);
    p('title', m.title);
    p('email1', m.email1EmailAddress);
    p('email2', m.email2EmailAddress);
    p('email3', m.email3EmailAddress);
    p('business-phone', m.businessTelephoneNumber);
    p('home-phone', m.homeTelephoneNumber);
    p('mobile-phone', m.mobileTelephoneNumber);
  } else if (cls.startsWith('IPM.Task')) {
    p('task-start', utc(m.taskStartDate));
    p('task-due', utc(m.taskDueDate));
    // PidLidPercentComplete 0.0-1.0, as a whole percent
    if (m.pstTableItems && m.pstTableItems.has(m.pstFile.getNameToIdMapItem(0x8102, 10)))
      p('percent', String(Math.round(m.percentComplete * 100)));
  }
}

function message(path, m) {
  const subject = m.subject || '';
  const body = m.body;
  const nrec = m.numberOfRecipients;
  const natt = m.numberOfAttachments;
  out.push(['M', text(path), text(subject), text(senderName(m)), text(senderEmail(m)), text(m.messageClass),
    body ? sha(Buffer.from(body.replace(/\0+$/, ''), 'utf8')) : '-', nrec, natt].join('\t'));
  if (wantDetails) details(path, subject, m);
  // getRecipient(i) re-reads the whole recipient table on every call
  // (quadratic with 1,000 recipients): read the rows once.
  const rows = nrec > 0 && m.recipientTable ? m.recipientTable.getItems() : [];
  for (let i = 0; i < nrec && i < rows.length; i++) {
    const r = new PSTRecipient(m.pstFile, rows[i]);
    out.push(['R', text(path), text(subject), recipientType(r.recipientType), text(r.displayName),
      text(r.emailAddress)].join('\t'));
  }
  for (let i = 0; i < natt; i++) {
    const a = m.getAttachment(i);
    if (a.attachMethod === 5) {
      // pst-extractor 1.12 builds attachments without a descriptor node,
      // and then embeddedPSTMessage always returns null: lend it the
      // outer message's (it is only used to label the object).
      if (!a.descriptorIndexNode) a.descriptorIndexNode = m.descriptorIndexNode;
      const e = a.embeddedPSTMessage;
      if (!e) continue;
      out.push(['E', text(path), text(subject), text(e.subject), e.numberOfRecipients,
        e.numberOfAttachments].join('\t'));
    } else {
      const data = attachData(a);
      out.push(['A', text(path), text(subject), text(a.longFilename || a.filename), data.length,
        sha(data)].join('\t'));
    }
  }
}

function folder(f, path) {
  let count = 0;
  const msgs = [];
  if (f.contentCount > 0) {
    let m = f.getNextChild();
    while (m) {
      // Only normal messages (NID type 4), as in the description format.
      if ((m.descriptorNodeId.toNumber() & 0x1f) === 0x04) msgs.push(m);
      m = f.getNextChild();
    }
  }
  count = msgs.length;
  if (path !== null) out.push(['F', text(path), count].join('\t'));
  for (const m of msgs) message(path === null ? '' : path, m);
  // Not only when PidTagSubfolders says so: Outlook may leave it out.
  for (const s of f.getSubFolders()) {
    if ((s.descriptorNodeId.toNumber() & 0x1f) !== 0x02) continue;
    folder(s, pathJoin(path, s.displayName));
  }
}

function main() {
  const file = process.argv[2];
  if (!file || process.argv.length !== 3) {
    process.stderr.write('usage: pstdesc.js FILE.pst\n');
    process.exit(2);
  }
  let pst;
  try {
    pst = new PSTFile(file);
  } catch (e) {
    process.stderr.write(`pstdesc.js: ${file}: pst-extractor can not open it: ${e.message}\n`);
    process.exit(2);
  }
  const store = pst.getMessageStore();
  const eid = store.pstTableItems ? store.pstTableItems.get(0x35e0) : null;
  const topNid = eid && eid.data && eid.data.length >= 24 ? eid.data.readUInt32LE(20) : 0x8022;
  const root = pst.getRootFolder();
  let top = null;
  for (const s of root.getSubFolders()) {
    if (s.descriptorNodeId.toNumber() === topNid) top = s;
  }
  if (!top) {
    process.stderr.write(`pstdesc.js: ${file}: no Top of Personal Folders (NID 0x${topNid.toString(16)})\n`);
    process.exit(2);
  }
  folder(top, null);
  process.stdout.write(out.length ? out.join('\n') + '\n' : '');
  pst.close();
}

main();
