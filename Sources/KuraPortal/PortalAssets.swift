// kura — a self-hosted encrypted container registry.
// PortalAssets: the portal's one stylesheet and one script (served from kura itself: no CDN).

/// A static file of the portal.
struct PortalAsset {
    let contentType: String
    let text: String
}

enum PortalAssets {
    static func named(_ name: String) -> PortalAsset? {
        switch name {
        case "portal.css": PortalAsset(contentType: "text/css; charset=utf-8", text: css)
        case "portal.js": PortalAsset(contentType: "text/javascript; charset=utf-8", text: script)
        default: nil
        }
    }

    /// Light, one column below 720 px (a phone at 390 × 844), a side menu beside the page above it.
    static let css = """
        :root { --accent: #0f6cbd; --danger: #c50f1f; --ok: #0e700e; --line: #d1d1d1; --muted: #616161; --bg: #faf9f8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #242424; background: var(--bg); }
        a { color: var(--accent); }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; z-index: 2; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        .topbar { display: flex; gap: 12px; align-items: center; padding: 8px 16px; background: #1b1a19; color: #fff; flex-wrap: wrap; }
        .topbar .brand { color: #fff; font-weight: 600; text-decoration: none; font-size: 17px; }
        .topbar .search { flex: 1; min-width: 160px; }
        .topbar .search input { width: 100%; max-width: 480px; padding: 5px 8px; border-radius: 4px; border: 0; }
        .topbar .who { font-size: 13px; } .topbar a.nav { color: #fff; font-size: 14px; }
        .topbar button.link { background: none; border: 1px solid #8a8886; color: #fff; padding: 3px 10px; border-radius: 4px; cursor: pointer; }
        .crumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 10px 16px 0; font-size: 13px; }
        .crumbs li + li::before { content: "›"; margin-right: 4px; color: var(--muted); }
        main { padding: 4px 16px 32px; max-width: 1280px; }
        h1 { font-size: 24px; font-weight: 600; margin: 8px 0 16px; }
        h2 { font-size: 17px; font-weight: 600; margin: 20px 0 8px; }
        .notice { margin: 10px 16px 0; padding: 8px 12px; background: #dff6dd; border-left: 4px solid var(--ok); }
        #notifications:not(:empty) { margin: 10px 16px 0; padding: 4px 12px; background: #fff; border: 1px solid var(--line); }
        .notifications ul { margin: 4px 0; padding-left: 18px; } .notifications li.running::after { content: " …"; }
        main .notifications { margin: 0; }
        .error { color: var(--danger); } p.error { background: #fde7e9; padding: 8px 12px; border-left: 4px solid var(--danger); }
        .ok { color: var(--ok); }
        .hint, .muted { color: var(--muted); font-size: 13px; } .warning { color: #8a3707; }
        .empty { color: var(--muted); font-style: italic; }
        table { border-collapse: collapse; width: 100%; background: #fff; margin: 8px 0; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        th { font-weight: 600; font-size: 13px; }
        tr.current { background: #f0f6ff; } tr.failed td { color: var(--danger); }
        .badge { background: var(--accent); color: #fff; border-radius: 8px; padding: 0 6px; font-size: 12px; }
        code { font-size: 13px; overflow-wrap: anywhere; }
        pre { background: #fff; border: 1px solid var(--line); padding: 6px 8px; overflow-x: auto; display: inline-block; max-width: 100%; margin: 4px 0; }
        .button, button { display: inline-block; padding: 6px 14px; border: 1px solid #8a8886; border-radius: 4px; background: #fff; color: #242424;
                          text-decoration: none; font: inherit; cursor: pointer; margin: 2px 4px 2px 0; }
        .primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        button.danger, .danger > summary { color: var(--danger); }
        button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
        .form { background: #fff; padding: 16px; border: 1px solid var(--line); max-width: 640px; }
        .form.wide { max-width: 960px; }
        .form label, .filter label { display: block; font-weight: 600; margin: 12px 0 4px; }
        .form textarea { width: 100%; font: 13px/1.4 ui-monospace, monospace; border: 1px solid #8a8886; border-radius: 4px; padding: 6px; }
        .form input:not([type=checkbox]):not([type=radio]), .form select { width: 100%; padding: 6px 8px; border: 1px solid #8a8886; border-radius: 4px; font: inherit; }
        .check { display: flex; gap: 8px; align-items: baseline; margin: 4px 0; }
        .check label, .form .check label { display: inline; font-weight: normal; margin: 0; }
        fieldset { border: 1px solid var(--line); margin: 12px 0; padding: 8px 12px; }
        legend { font-weight: 600; }
        .permission-groups { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
        .inline { display: flex; gap: 8px; align-items: center; } .inline input { flex: 1; }
        form.inline { display: inline; }
        .actions { margin-top: 16px; }
        .filter { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
        .filter label { margin: 0; }
        .tabs ul { list-style: none; display: flex; gap: 0; padding: 0; margin: 0 0 8px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        .tabs button, .tabs span { border: 0; border-bottom: 3px solid transparent; border-radius: 0; background: none; padding: 8px 12px; margin: 0; }
        .tabs [aria-current] { border-bottom-color: var(--accent); font-weight: 600; }
        .blade { display: flex; gap: 16px; }
        .menu { min-width: 190px; } .menu ul { list-style: none; padding: 0; margin: 0; }
        .menu a { display: block; padding: 6px 10px; text-decoration: none; color: #242424; border-left: 3px solid transparent; }
        .menu a[aria-current] { background: #edebe9; border-left-color: var(--accent); font-weight: 600; }
        .blade-body { flex: 1; min-width: 0; }
        .essentials { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; border: 1px solid var(--line); }
        .essentials dt { font-weight: 600; } .essentials dd { margin: 0; min-width: 0; }
        .create { margin: 8px 0 16px; }
        details.danger { margin-top: 24px; } details.danger form { margin-top: 8px; }
        .steps { display: flex; gap: 16px; list-style: none; padding: 0; } .choices li { margin: 4px 0; }
        .copy { display: none; padding: 1px 8px; font-size: 12px; } .js .copy { display: inline-block; }
        @media (max-width: 720px) {
          .blade { flex-direction: column; } .menu ul { display: flex; flex-wrap: wrap; gap: 4px; }
          .essentials { grid-template-columns: 1fr; } .essentials dt { margin-top: 6px; }
          table { font-size: 13px; } th, td { padding: 4px; }
          .topbar .search { order: 3; flex-basis: 100%; }
        }
        """

    /// Copy buttons, and the Encryption page's status kept current without a reload. Every page
    /// works without it.
    static let script = """
        "use strict";
        document.documentElement.classList.add("js");
        document.addEventListener("click", function (event) {
          var button = event.target.closest("button.copy");
          if (!button || !navigator.clipboard) return;
          navigator.clipboard.writeText(button.dataset.copy || "").then(function () {
            var label = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = label; }, 1500);
          });
        });
        // A section with data-refresh="<seconds>" (a deployment running, a registry's key status)
        // is fetched again on that period and replaced in place; it stops once the fresh copy no
        // longer asks to be refreshed (a deployment that has finished).
        // With data-source, the section comes from that page instead (the notifications), fetched
        // at once and then on the period.
        document.querySelectorAll("[data-refresh][id]").forEach(function (section) {
          if (!window.fetch) return;
          var seconds = Number(section.dataset.refresh) || 5;
          var source = section.dataset.source || (window.location.pathname + window.location.search);
          var refresh = function () {
            // Marked as a refresh: it does not keep an idle session alive, and a session that has
            // ended answers 401 (no sign-in is started behind the user's back): polling stops.
            fetch(source, { credentials: "same-origin", redirect: "manual", headers: { "X-Kura-Refresh": "1" } }).then(function (response) {
              if (!response.ok) { clearInterval(timer); return null; }
              return response.text();
            }).then(function (html) {
              if (!html) return;
              var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(section.id);
              if (!fresh) return;
              section.replaceChildren.apply(section, Array.from(fresh.childNodes));
              if (!fresh.hasAttribute("data-refresh")) clearInterval(timer);
            }).catch(function () {});
          };
          var timer = setInterval(refresh, seconds * 1000);
          if (section.dataset.source) refresh();
        });
        // A private key file (PEM) converted to a JSON Web Key in the browser (WebCrypto): PKCS#8
        // as it is, PKCS#1 RSA wrapped into PKCS#8 first. The key never leaves as PEM.
        var pemToJWK = function (text) {
          var match = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----([\\s\\S]*?)-----END/.exec(text);
          if (!match) return Promise.reject(new Error("no PEM private key in the file"));
          var der = Uint8Array.from(atob(match[2].replace(/\\s+/g, "")), function (c) { return c.charCodeAt(0); });
          if (match[1] === "EC PRIVATE KEY") return Promise.reject(new Error("convert SEC1 EC keys to PKCS#8 first (openssl pkcs8 -topk8 -nocrypt)"));
          if (match[1] === "RSA PRIVATE KEY") der = pkcs1ToPkcs8(der);
          var attempts = [{ name: "RSA-OAEP", hash: "SHA-256" }, { name: "ECDSA", namedCurve: "P-256" },
                          { name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", namedCurve: "P-521" }];
          var tryNext = function (index) {
            if (index === attempts.length) return Promise.reject(new Error("not an RSA or EC private key"));
            var usage = attempts[index].name === "ECDSA" ? ["sign"] : ["decrypt"];
            return crypto.subtle.importKey("pkcs8", der, attempts[index], true, usage)
              .then(function (key) { return crypto.subtle.exportKey("jwk", key); })
              .catch(function () { return tryNext(index + 1); });
          };
          return tryNext(0).then(function (jwk) {
            var out = { kty: jwk.kty };
            ["n", "e", "d", "p", "q", "dp", "dq", "qi", "crv", "x", "y"].forEach(function (k) { if (jwk[k]) out[k] = jwk[k]; });
            return JSON.stringify(out);
          });
        };
        var derLength = function (n) {
          if (n < 128) return [n];
          var bytes = []; while (n > 0) { bytes.unshift(n & 255); n >>= 8; }
          return [128 | bytes.length].concat(bytes);
        };
        var pkcs1ToPkcs8 = function (pkcs1) {
          var algorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
          var octets = [0x04].concat(derLength(pkcs1.length));
          var body = [0x02, 0x01, 0x00].concat(algorithm, octets);
          var total = body.length + pkcs1.length;
          var head = [0x30].concat(derLength(total), body);
          var out = new Uint8Array(head.length + pkcs1.length);
          out.set(head, 0); out.set(pkcs1, head.length);
          return out;
        };
        document.querySelectorAll("input[type=file][data-jwk-into]").forEach(function (input) {
          input.addEventListener("change", function () {
            var target = document.getElementById(input.dataset.jwkInto);
            var options = document.getElementById("key-options");
            if (!input.files.length || !target || !window.crypto || !crypto.subtle) return;
            input.files[0].text().then(pemToJWK).then(function (jwk) {
              target.value = jwk;
              if (options) options.value = "import";
            }).catch(function (error) { target.value = ""; alert("The file could not be read as a private key: " + error.message); });
          });
        });
        // A template file read into its text box (the form posts text: no upload needed).
        document.querySelectorAll("input[type=file][data-fills]").forEach(function (input) {
          input.addEventListener("change", function () {
            var target = document.getElementById(input.dataset.fills);
            if (!input.files.length || !target) return;
            input.files[0].text().then(function (text) { target.value = text; });
          });
        });
        """
}
