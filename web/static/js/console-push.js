// The console's "Notifications" switch (supervisors' pushes: new conflicts,
// silent devices).  The pages work without it; see push.js.

import * as push from "./push.js";

const button = document.getElementById("push-toggle");
if (button) push.attach({ button, line: document.getElementById("push-state") }).catch(console.error);
window.shelfsyncPush = push;
