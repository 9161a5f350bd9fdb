// GS1 in the browser, offline: plain GTINs (EAN-8, UPC-A, EAN-13, GTIN-14) and
// GS1 element strings (AIs 01/02, 10, 17, 21, 30, 37, 310x and the other
// fixed-length ones), as a decoder or a keyboard-wedge scanner sends them.
// Tested against tests/data/gs1_vectors.json, the vectors the server's biip
// parsing is tested against.
//
// parseGs1(text) -> null (not GS1) or
//   {gtin, gtin_error, lot, expiry, serial, count, net_weight_kg, ais}
// gtin is always GTIN-14; a wrong check digit sets gtin_error (never corrected).

const GS = "\u001d";

// Symbology identifiers: GS1 element strings, and plain GTIN symbologies.
const ELEMENT_STRING = new Set(["]C1", "]e0", "]d2", "]Q3", "]J1"]);
const GTIN_SYMBOLOGY = new Set(["]E0", "]E1", "]E2", "]E3", "]E4", "]I1", "]X0"]);

// Predefined lengths (data only, without the AI) by the AI's first two digits.
const FIXED = {
  "00": 18, "01": 14, "02": 14, "03": 14, "04": 16, "11": 6, "12": 6, "13": 6,
  "14": 6, "15": 6, "16": 6, "17": 6, "18": 6, "19": 6, "20": 2, "31": 6,
  "32": 6, "33": 6, "34": 6, "35": 6, "36": 6, "41": 13,
};

function aiLength(text, at) {
  const two = text.slice(at, at + 2);
  if (/^(3[1-6]|7[0-9]|8[0-9])/.test(two)) return 4;
  if (/^(2[3-5]|4[0-2])/.test(two)) return 3;
  return 2;
}

export function checkDigit(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export function validGtin(code) {
  return /^\d{8}$|^\d{12,14}$/.test(code) && checkDigit(code.slice(0, -1)) === Number(code.at(-1));
}

// The GTIN-14 form of an 8-, 12-, 13- or 14-digit code, or null.
export function gtin14(code) {
  return /^\d{8}$|^\d{12,14}$/.test(code) ? code.padStart(14, "0") : null;
}

function expiryDate(yymmdd, today = new Date()) {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2));
  const mm = Number(yymmdd.slice(2, 4));
  let dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return null;
  // GS1 General Specifications 7.12: the century within -49..+50 years of now
  const current = today.getUTCFullYear();
  const base = current - (current % 100);
  let year = base + yy;
  if (year - current > 50) year -= 100;
  else if (year - current < -49) year += 100;
  const last = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  if (dd === 0) dd = last;
  if (dd > last) return null;
  return `${String(year).padStart(4, "0")}-${String(mm).padStart(2, "0")}-${String(dd).padStart(2, "0")}`;
}

function fromGtin(code) {
  const gtin = gtin14(code);
  return gtin ? { gtin, gtin_error: !validGtin(code), ais: { "01": gtin } } : null;
}

function elementString(text) {
  const ais = {};
  let at = 0;
  while (at < text.length) {
    if (text[at] === GS) {
      at += 1;
      continue;
    }
    const size = aiLength(text, at);
    const ai = text.slice(at, at + size);
    if (!/^\d+$/.test(ai) || ai.length < size) return null;
    at += size;
    const fixed = FIXED[ai.slice(0, 2)];
    let value;
    if (fixed !== undefined) {
      value = text.slice(at, at + fixed);
      if (value.length < fixed) return null;
      at += fixed;
    } else {
      const end = text.indexOf(GS, at);
      value = end === -1 ? text.slice(at) : text.slice(at, end);
      at = end === -1 ? text.length : end + 1;
    }
    ais[ai] = value;
  }
  return ais;
}

function fromAis(ais) {
  const out = { ais };
  const gtin = ais["01"] || ais["02"];
  if (gtin !== undefined) {
    if (!/^\d{14}$/.test(gtin)) return null;
    out.gtin = gtin;
    out.gtin_error = !validGtin(gtin);
  }
  if (ais["10"] !== undefined) out.lot = ais["10"];
  if (ais["21"] !== undefined) out.serial = ais["21"];
  if (ais["17"] !== undefined) {
    out.expiry = expiryDate(ais["17"]);
    if (out.expiry === null) return null;
  }
  const count = ais["37"] ?? ais["30"];
  if (count !== undefined) {
    if (!/^\d{1,8}$/.test(count)) return null;
    out.count = Number(count);
  }
  for (const [ai, value] of Object.entries(ais)) {
    if (/^310[0-9]$/.test(ai)) {
      if (!/^\d{6}$/.test(value)) return null;
      out.net_weight_kg = Number(value) / 10 ** Number(ai[3]);
    }
  }
  return out;
}

function fromHri(text) {
  const ais = {};
  const re = /\((\d{2,4})\)([^(]*)/g;
  let match;
  let seen = 0;
  while ((match = re.exec(text)) !== null) {
    ais[match[1]] = match[2];
    seen += match[0].length;
  }
  return seen === text.length ? ais : null;
}

export function parseGs1(raw) {
  if (typeof raw !== "string" || raw === "") return null;
  let text = raw;
  let symbology = null;
  if (/^\][A-Za-z][0-9]/.test(text)) {
    symbology = text.slice(0, 3);
    text = text.slice(3);
  }
  if (symbology && GTIN_SYMBOLOGY.has(symbology)) return fromGtin(text);
  if (symbology && !ELEMENT_STRING.has(symbology)) return null;
  if (text.startsWith("(")) {
    const ais = fromHri(text);
    return ais ? fromAis(ais) : null;
  }
  if (!symbology && /^\d{8}$|^\d{12,14}$/.test(text)) return fromGtin(text);
  // without an identifier, only what starts like an element string is one
  if (!symbology && !/^(0[0-4]|1[0-7]|2[01])\d/.test(text)) return null;
  if (!symbology && text.length < 16) return null;
  const ais = elementString(text);
  return ais ? fromAis(ais) : null;
}
