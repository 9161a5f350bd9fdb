// Feedback a person notices without looking: a beep (WebAudio), a vibration
// and a colour on the scan banner.  good: one short high beep; warn: two
// beeps; bad: one long low buzz.  The banner changes at once; the sound and
// the vibration follow right after that frame is painted (setting up audio
// is not on the way to the confirmation; the ear does not notice a frame).

import { afterPaint } from "./ui.js";

const TONES = {
  good: { notes: [[1760, 0.07]], vibrate: [40] },
  warn: { notes: [[880, 0.09], [880, 0.09]], vibrate: [60, 60, 60] },
  bad: { notes: [[220, 0.35]], vibrate: [300] },
};

let audio = null;

function beep(kind) {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    let at = audio.currentTime;
    for (const [freq, seconds] of TONES[kind].notes) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      osc.type = kind === "bad" ? "square" : "sine";
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + seconds);
      at += seconds + 0.05;
    }
  } catch (_) {
    /* no audio here: colour and text still tell */
  }
}

export const READY = "Ready: scan a code";

// Codes (A-02-18, DOCK-1, FST-1092; up to 20 characters) are kept whole on
// one line: the browser would break a bin's code after a hyphen ("Go to A-" /
// "02-18").
const CODE = /[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+/g;

// The banner alone, without a sound: kind (good, warn, bad) and the message.
export function showBanner(kind, message, banner = document.getElementById("flash")) {
  if (!banner) return;
  const parts = [];
  let at = 0;
  for (const found of message.matchAll(CODE)) {
    if (found[0].length > 20) continue; // not a code that fits a line whole
    if (found.index > at) parts.push(message.slice(at, found.index));
    const code = document.createElement("span");
    code.className = "code";
    code.textContent = found[0];
    parts.push(code);
    at = found.index + found[0].length;
  }
  if (at < message.length) parts.push(message.slice(at));
  banner.replaceChildren(...parts);
  banner.className = `flash flash-${kind}`;
  banner.dataset.kind = kind;
}

export function feedback(kind, message, banner = document.getElementById("flash")) {
  showBanner(kind, message, banner);
  // browsers allow sound and vibration only after the person touched the page
  if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
  heard = kind; // two scans in one frame: the last one's sound
  afterPaint(sound);
}

let heard = null;

function sound() {
  beep(heard);
  if (navigator.vibrate) navigator.vibrate(TONES[heard].vibrate);
}
