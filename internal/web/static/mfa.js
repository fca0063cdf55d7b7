// ssooidc: security keys and passkeys (WebAuthn). The one script of the
// pages (CSP script-src 'self'). A form with data-webauthn asks that URL
// for a ceremony's options, runs it with the browser's WebAuthn API, puts
// the answer into its hidden fields and submits itself: the server's
// answer is an ordinary page, as for the forms without script.
"use strict";
(() => {
  if (!window.PublicKeyCredential) return;
  const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const ids = (list) => (list || []).forEach((c) => { c.id = dec(c.id); });
  const answer = (c) => {
    const r = c.response, out = { id: c.id, rawId: enc(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(), response: { clientDataJSON: enc(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = enc(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = enc(r.authenticatorData);
      out.response.signature = enc(r.signature);
      if (r.userHandle) out.response.userHandle = enc(r.userHandle);
    }
    return JSON.stringify(out);
  };
  for (const form of document.querySelectorAll("form[data-webauthn]")) {
    form.hidden = false;
    const status = form.querySelector("[data-status]");
    const say = (m) => { if (status) status.textContent = m; };
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      say("Waiting for your security key or passkey…");
      try {
        const res = await fetch(form.dataset.webauthn, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
        const body = await res.json();
        if (!res.ok) throw new Error(body.message || "The server refused.");
        const pk = body.options.publicKey;
        pk.challenge = dec(pk.challenge);
        let cred;
        if (form.dataset.ceremony === "create") {
          pk.user.id = dec(pk.user.id);
          ids(pk.excludeCredentials);
          cred = await navigator.credentials.create({ publicKey: pk });
        } else {
          ids(pk.allowCredentials);
          cred = await navigator.credentials.get({ publicKey: pk });
        }
        form.elements.handle.value = body.handle;
        form.elements.credential.value = answer(cred);
        say("");
        form.submit();
      } catch (e) {
        say(e && e.name === "NotAllowedError" ? "Cancelled, or the key did not answer in time. Try again." :
          (e && e.message) || "That did not work. Try again.");
      }
    });
  }
})();
