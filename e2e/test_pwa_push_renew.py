"""A push subscription the browser rotates, in a real Chromium against a real server.

A picker turned notifications on; later the browser replaces the subscription
(``pushsubscriptionchange``), with no page of the app open.  The service
worker subscribes again with the server's VAPID key, with the session the
page logged in with, and the server keeps the new endpoint in place of the
old: the next pick list given to the picker is pushed to the new endpoint
(decrypted with its keys), and nothing more goes to the old one.

Chromium here reaches no push service (see ``push_helpers``): the page's
subscription is the usual stand-in, and in the worker ``subscribe`` answers
the new subscription the same way.  Chromium fires no
``pushsubscriptionchange`` of its own, and the one a script dispatches is not
trusted (its ``waitUntil`` throws): the test dispatches an event that carries
``oldSubscription`` and a ``waitUntil`` that hands back what the worker's own
listener waits for.
"""

from __future__ import annotations

import time
from typing import Any

from console.pushreceiver import BrowserSubscription, Receiver
from playwright.sync_api import BrowserContext, expect
from push_helpers import PushServer, b64decode, pushes_to, subscribed, subscribing_context
from pwa_helpers import PHONE, login, make_pick_list, open_app, stocked_items

pytest_plugins = ["push_fixtures"]  # push_server, receiver

# In the worker: ``subscribe`` answers ``sub`` (and keeps what it was asked),
# then a pushsubscriptionchange naming the old subscription goes to the
# worker's listeners; resolves with what subscribe was asked, once the work the
# listener gave waitUntil is done (null: no listener waited for anything).
ROTATE = """
async ({ sub, oldEndpoint }) => {
  let asked = null;
  PushManager.prototype.subscribe = async function (options) {
    asked = { key: Array.from(new Uint8Array(options.applicationServerKey)),
              userVisibleOnly: options.userVisibleOnly };
    return { endpoint: sub.endpoint, expirationTime: null, options,
             toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }) };
  };
  const event = new Event("pushsubscriptionchange");
  const waited = [];
  event.waitUntil = (promise) => waited.push(promise);
  event.oldSubscription = { endpoint: oldEndpoint };
  event.newSubscription = null;
  self.dispatchEvent(event);
  if (!waited.length) return null;
  await Promise.all(waited);
  return asked;
}
"""


def test_a_rotated_subscription_replaces_the_old_one_on_the_server(
    browser: Any, push_server: PushServer, receiver: Receiver
) -> None:
    url, db = push_server.url, push_server.db
    before = BrowserSubscription(f"{receiver.base}/push/picker-before")
    after = BrowserSubscription(f"{receiver.base}/push/picker-after")
    context = subscribing_context(browser, url, before, viewport=PHONE)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "count")
    page.get_by_role("button", name="Turn notifications on").click()
    expect(page.locator("#push-state")).to_have_text("Notifications on")
    assert subscribed(db, before.endpoint) == ["picker"]
    key = context.request.get(f"{url}/api/push/vapid-public-key").json()["public_key"]

    # the browser rotates the subscription while no page of the app is open
    (worker,) = context.service_workers
    page.close()
    asked = worker.evaluate(ROTATE, {"sub": after.as_json(), "oldEndpoint": before.endpoint})
    assert asked == {"key": b64decode(key), "userVisibleOnly": True}, "the worker did not renew"
    assert subscribed(db, after.endpoint) == ["picker"]
    assert subscribed(db, before.endpoint) == []  # the dead one is gone
    listed = context.request.get(f"{url}/api/push/subscriptions").json()
    assert [s["endpoint"] for s in listed["subscriptions"]] == [after.endpoint]
    assert listed["session_endpoint"] == after.endpoint  # logging out forgets the new one

    # and the picker is told of the next list given them, at the new endpoint
    sup: BrowserContext = browser.new_context()
    login(sup.new_page(), url, "supervisor")
    number = make_pick_list(sup.request, url, stocked_items(db, 1, skip=41))["number"]
    deadline = time.monotonic() + 30
    while not pushes_to(receiver, after, "/push/picker-after") and time.monotonic() < deadline:
        time.sleep(0.2)
    (payload,) = pushes_to(receiver, after, "/push/picker-after")
    assert (payload["kind"], payload["list"]) == ("pick_list", number)
    assert [r.path for r in receiver.received] == ["/push/picker-after"]
    sup.close()
    context.close()
