#!/usr/bin/env node
// tests/node/recur.js FILE.pst SUBJECT - the recurrence pattern of the
// appointment SUBJECT (PidLidAppointmentRecur) as pst-extractor's
// RecurrencePattern class reads it, as JSON on one line.  Exit 0, 1 when
// there is no such appointment or it has no pattern, 2 when the file can
// not be read, 77 when pst-extractor is not installed.
'use strict';

let PSTFile, RecurrencePattern;
try {
  ({ PSTFile } = require('pst-extractor'));
  ({ RecurrencePattern } = require('pst-extractor/dist/RecurrencePattern.class'));
} catch (e) {
  process.stderr.write('recur.js: pst-extractor is not installed (run npm install in tests/node)\n');
  process.exit(77);
}

const [file, subject] = process.argv.slice(2);
if (!file || !subject) {
  process.stderr.write('usage: recur.js FILE.pst SUBJECT\n');
  process.exit(2);
}

function find(folder) {
  if (folder.contentCount > 0) {
    let item = folder.getNextChild();
    while (item) {
      if (item.subject === subject) return item;
      item = folder.getNextChild();
    }
  }
  if (folder.hasSubfolders) {
    for (const sub of folder.getSubFolders()) {
      const hit = find(sub);
      if (hit) return hit;
    }
  }
  return null;
}

let pst;
try {
  pst = new PSTFile(file);
} catch (e) {
  process.stderr.write(`recur.js: ${file}: ${e.message}\n`);
  process.exit(2);
}
const appt = find(pst.getRootFolder());
if (!appt || !appt.recurrenceStructure) {
  process.stderr.write(`recur.js: ${file}: no appointment '${subject}' with a recurrence pattern\n`);
  process.exit(1);
}
const p = new RecurrencePattern(appt.recurrenceStructure);
process.stdout.write(JSON.stringify(p.toJSON()) + '\n');
