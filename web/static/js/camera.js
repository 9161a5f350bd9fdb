// The camera: the browser's BarcodeDetector where it exists; otherwise a photo
// sent to the server to decode (POST /api/scan, needs the network).  Manual
// entry is always there.

import { scanPhoto } from "./api.js";

const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf", "data_matrix", "qr_code"];

export const hasDetector = () => "BarcodeDetector" in self;

// Keep looking through the camera until a code is seen; resolves with its text.
export async function detectLive(video, signal) {
  const supported = await self.BarcodeDetector.getSupportedFormats();
  const detector = new self.BarcodeDetector({ formats: FORMATS.filter((f) => supported.includes(f)) });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  await video.play();
  try {
    while (!signal.aborted) {
      const codes = await detector.detect(video);
      if (codes.length) return codes[0].rawValue;
      await new Promise((r) => setTimeout(r, 120));
    }
    return null;
  } finally {
    for (const track of stream.getTracks()) track.stop();
  }
}

// A photo decoded by the server; resolves with the first code's text (GS1
// codes come in their "(01)…(10)…" form, which the scan field understands).
export async function decodePhoto(file, token) {
  const answer = await scanPhoto(file, token);
  const codes = (answer && answer.codes) || [];
  if (!codes.length) throw new Error((answer && answer.message) || "no barcode found in the photo");
  return codes[0].text;
}
