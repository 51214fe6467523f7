// kura — a self-hosted encrypted container registry.
// VaultTemplates: key vault pages — create, overview, access policies, keys, audit.

enum VaultTemplates {
    static let all = [("vault-new", vaultNew), ("vault", vault), ("access-policies", accessPolicies), ("access-policy-new", accessPolicyNew),
                      ("keys", keys), ("key-new", keyNew), ("key", key), ("audit", audit)]

    static let vaultNew = """
        {{<layout}}{{$content}}
        <nav class="tabs" aria-label="Steps"><ul><li><span aria-current="step">Basics</span></li></ul></nav>
        <form method="post" action="/portal/vaults" class="form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <h2>Project details</h2>
          <label for="vault-group">Resource group</label>
          <select id="vault-group" name="group" required>{{#groups}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groups}}</select>
          {{#errors.group}}<p class="error field-error" role="alert" id="vault-group-error">{{errors.group}}</p>{{/errors.group}}
          {{#empty(groups)}}<p class="hint">There is no resource group yet: <a href="/portal/new-group">create one</a> first.</p>{{/empty(groups)}}
          <h2>Instance details</h2>
          <label for="vault-name">Key vault name</label>
          <input id="vault-name" name="name" value="{{name}}" required minlength="3" maxlength="24" pattern="[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]" autocomplete="off" aria-describedby="vault-name-hint">
          {{#errors.name}}<p class="error field-error" role="alert" id="vault-name-error">{{errors.name}}</p>{{/errors.name}}
          <p class="hint" id="vault-name-hint">3–24 letters, digits and hyphens; starts with a letter; unique across the installation.</p>
          <label for="vault-location">Region</label>
          <input id="vault-location" name="location" value="{{location}}" required>
          {{#errors.location}}<p class="error field-error" role="alert" id="vault-location-error">{{errors.location}}</p>{{/errors.location}}
          <h2>Recovery options</h2>
          <p class="hint">Soft delete is always on: a deleted vault or key can be recovered during the retention period.</p>
          <label for="vault-retention">Days to retain deleted vaults (7–90)</label>
          <input id="vault-retention" name="retention" type="number" min="7" max="90" value="{{retention}}" required>
          {{#errors.retention}}<p class="error field-error" role="alert" id="vault-retention-error">{{errors.retention}}</p>{{/errors.retention}}
          <div class="check"><input type="checkbox" id="vault-purge-protection" name="purgeProtection" value="on"{{#purgeProtection}} checked{{/purgeProtection}} aria-describedby="purge-hint">
          <label for="vault-purge-protection">Enable purge protection (enforce a mandatory retention period for deleted vaults and vault objects)</label></div>
          {{#errors.purgeProtection}}<p class="error field-error" role="alert" id="vault-purge-protection-error">{{errors.purgeProtection}}</p>{{/errors.purgeProtection}}
          <p class="hint" id="purge-hint">A container registry's customer-managed key must live in a vault with soft delete <em>and</em> purge protection: without them a deleted key could be purged and the registry's data lost for good. Purge protection cannot be turned off once on.</p>
          <p class="hint">You are given an access policy with every key permission on the new vault, as Azure's portal does for its creator.</p>
          <div class="actions"><button type="submit" class="primary" id="create">Review + create</button> <a href="/portal/">Cancel</a></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let vault = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <dl class="essentials">
          <dt>Resource group</dt><dd><a href="{{groupHref}}">{{group}}</a></dd>
          <dt>Location</dt><dd>{{location}}</dd>
          <dt>Vault URI</dt><dd><code id="vault-uri">{{uri}}</code> <button type="button" class="copy" data-copy="{{uri}}">Copy</button></dd>
          <dt>Soft delete</dt><dd>Enabled, {{retention}} days</dd>
          <dt>Purge protection</dt><dd id="purge-protection">{{#purgeProtection}}Enabled{{/purgeProtection}}{{^purgeProtection}}Disabled — a registry cannot use this vault's keys as customer-managed keys{{/purgeProtection}}</dd>
          <dt>Access policies</dt><dd>{{policyCount}}</dd>
          <dt>Resource ID</dt><dd><code>{{id}}</code></dd>
        </dl>
        </section></div>
        {{/content}}{{/layout}}
        """

    static let accessPolicies = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        {{#canWrite}}<p><a class="button" id="add-access-policy" href="{{newHref}}">+ Create</a></p>{{/canWrite}}
        {{#empty(policies)}}<p class="empty">No access policies: no one can use this vault's keys. Create one for the identity that will wrap a registry's key (Get, Unwrap Key, Wrap Key).</p>{{/empty(policies)}}
        {{^empty(policies)}}
        <table id="access-policies"><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Key permissions</th><th scope="col">Secret permissions</th><th scope="col">Certificate permissions</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        {{#policies}}<tr data-object-id="{{objectId}}"><td>{{name}}</td><td>{{kind}}</td><td>{{keys}}</td><td>{{secrets}}</td><td>{{certificates}}</td>
        <td>{{#canWrite}}<form method="post" action="{{removeAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="objectId" value="{{objectId}}"><button type="submit" class="danger" aria-label="Remove the access policy of {{name}}">Delete</button></form>{{/canWrite}}</td></tr>{{/policies}}
        </tbody></table>
        {{/empty(policies)}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let accessPolicyNew = """
        {{<layout}}{{$content}}
        <form method="post" action="{{action}}" class="form wide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <h2>1. Permissions</h2>
          <div class="permission-groups">
          {{#sections}}
          <fieldset><legend>{{heading}}</legend>
          {{#permissions}}<div class="check"><input type="checkbox" id="{{id}}" name="permission" value="{{value}}"{{#checked}} checked{{/checked}}><label for="{{id}}">{{label}}</label></div>{{/permissions}}
          </fieldset>
          {{/sections}}
          </div>
          <h2>2. Principal</h2>
          <label for="principal-search">Search identities, applications and users by name or id</label>
          <div class="inline"><input id="principal-search" name="search" type="search" value="{{search}}" autocomplete="off">
          <button type="submit" name="action" value="search" id="search-principal">Search</button></div>
          {{#searched}}
          <fieldset class="picker"><legend>Select a principal</legend>
          {{#candidates}}<div class="check"><input type="radio" name="principal" id="principal-{{objectId}}" value="{{objectId}}"{{#selected}} checked{{/selected}}>
          <label for="principal-{{objectId}}">{{name}} <span class="muted">({{kind}}, {{detail}})</span></label></div>{{/candidates}}
          {{#empty(candidates)}}<p class="empty">No principal matches “{{search}}”. Owners of the subscription find principals by any part of their name; others enter its object id.</p>{{/empty(candidates)}}
          </fieldset>
          {{/searched}}
          <h2>3. Review + create</h2>
          <div class="actions"><button type="submit" name="action" value="add" class="primary" id="create">Create</button> <a href="{{cancelHref}}">Cancel</a></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let keys = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        {{#refusal}}<p class="error" role="alert">You are unauthorized to view these contents: {{refusal}}</p>{{/refusal}}
        {{^refusal}}
        <p><a class="button" id="generate-key" href="{{newHref}}">+ Generate/Import</a></p>
        {{#empty(keys)}}<p class="empty">There are no keys in this vault. Generate one to use as a registry's customer-managed key.</p>{{/empty(keys)}}
        {{^empty(keys)}}
        <table id="keys"><thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead><tbody>
        {{#keys}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{#enabled}}Enabled{{/enabled}}{{^enabled}}Disabled{{/enabled}}</td><td>{{updated}}</td></tr>{{/keys}}
        </tbody></table>
        {{/empty(keys)}}
        {{#hasDeleted}}
        <h2>Deleted keys</h2>
        <table id="deleted-keys"><thead><tr><th scope="col">Name</th><th scope="col">Deleted</th><th scope="col">Purge date</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        {{#deleted}}<tr><td>{{name}}</td><td>{{deletedDate}}</td><td>{{purgeDate}}</td><td>
        <form method="post" action="{{recoverAction}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Recover</button></form>
        <details class="danger"><summary>Purge</summary><form method="post" action="{{purgeAction}}"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="purge-{{name}}">Type <strong>{{name}}</strong> to purge it for good</label><input id="purge-{{name}}" name="confirm" required autocomplete="off">
        <button type="submit" class="danger">Purge</button></form></details></td></tr>{{/deleted}}
        </tbody></table>
        {{/hasDeleted}}
        {{/refusal}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let keyNew = """
        {{<layout}}{{$content}}
        <form method="post" action="{{action}}" class="form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <label for="key-options">Options</label>
          <select id="key-options" name="option"><option value="generate"{{^importing}} selected{{/importing}}>Generate</option><option value="import"{{#importing}} selected{{/importing}}>Import</option></select>
          <label for="key-name">Name</label>
          <input id="key-name" name="name" value="{{name}}" required pattern="[A-Za-z0-9-]{1,127}" autocomplete="off">
          {{#errors.name}}<p class="error field-error" role="alert" id="key-name-error">{{errors.name}}</p>{{/errors.name}}
          <fieldset><legend>Generate</legend>
          <label for="key-type">Key type</label>
          <select id="key-type" name="kty">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/types}}</select>
          {{#errors.kty}}<p class="error field-error" role="alert" id="key-type-error">{{errors.kty}}</p>{{/errors.kty}}
          <label for="key-size">RSA key size</label>
          <select id="key-size" name="size">{{#sizes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/sizes}}</select>
          {{#errors.size}}<p class="error field-error" role="alert" id="key-size-error">{{errors.size}}</p>{{/errors.size}}
          <label for="key-curve">Elliptic curve name (EC keys)</label>
          <select id="key-curve" name="curve">{{#curves}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/curves}}</select>
          {{#errors.curve}}<p class="error field-error" role="alert" id="key-curve-error">{{errors.curve}}</p>{{/errors.curve}}
          </fieldset>
          <fieldset><legend>Import</legend>
          <label for="key-file">Private key file (PEM: PKCS#8, or PKCS#1 for RSA)</label>
          <input id="key-file" type="file" accept=".pem,.key,application/x-pem-file" data-jwk-into="key-jwk" aria-describedby="key-file-hint">
          <p class="hint" id="key-file-hint">The file is converted to a JSON Web Key in this browser (it is sent as one, over HTTPS); without script, paste the JWK below.</p>
          <label for="key-jwk">Key to import (JSON Web Key)</label>
          <textarea id="key-jwk" name="jwk" rows="6" spellcheck="false" autocomplete="off">{{jwk}}</textarea>
          {{#errors.jwk}}<p class="error field-error" role="alert" id="key-jwk-error">{{errors.jwk}}</p>{{/errors.jwk}}
          </fieldset>
          <fieldset><legend>Enabled?</legend>
          <div class="check"><input type="radio" id="key-enabled-yes" name="enabled" value="yes"{{#enabled}} checked{{/enabled}}><label for="key-enabled-yes">Yes</label></div>
          <div class="check"><input type="radio" id="key-enabled-no" name="enabled" value="no"{{^enabled}} checked{{/enabled}}><label for="key-enabled-no">No</label></div>
          </fieldset>
          <p class="hint">A registry's customer-managed key must be an RSA key (it wraps the registry's data key with RSA-OAEP-256).</p>
          <div class="actions"><button type="submit" class="primary" id="create">Create</button></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let key = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <dl class="essentials">
          <dt>Key type</dt><dd>{{kty}}</dd>
          <dt>Current version</dt><dd><code id="current-version">{{currentVersion}}</code></dd>
          <dt>Key identifier</dt><dd><code id="key-identifier">{{kid}}</code> <button type="button" class="copy" data-copy="{{kid}}">Copy</button></dd>
          <dt>Versionless key identifier</dt><dd><code id="versionless-identifier">{{versionless}}</code> <button type="button" class="copy" data-copy="{{versionless}}">Copy</button></dd>
        </dl>
        <form method="post" action="{{rotateAction}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="new-version">+ New Version</button></form>
        <h2>Versions</h2>
        <table id="versions"><thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        {{#versions}}<tr{{#current}} class="current"{{/current}}><td><code>{{version}}</code>{{#current}} <span class="badge">Current</span>{{/current}}</td><td>{{#enabled}}Enabled{{/enabled}}{{^enabled}}Disabled{{/enabled}}</td><td>{{created}}</td>
        <td><form method="post" action="{{toggleAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="enabled" value="{{toggleTo}}"><button type="submit">{{toggleLabel}}</button></form></td></tr>{{/versions}}
        </tbody></table>
        {{>confirm-delete}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let audit = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <p id="audit-verification" class="{{#intact}}ok{{/intact}}{{^intact}}error{{/intact}}">{{#intact}}The log's hash chain is intact ({{count}} entries).{{/intact}}{{^intact}}The log's hash chain is broken: {{broken}}{{/intact}}</p>
        <form class="filter" method="get">
          <label for="audit-key">Key</label><input id="audit-key" name="key" value="{{key}}">
          <label for="audit-caller">Caller (name or id)</label><input id="audit-caller" name="caller" value="{{caller}}">
          <button type="submit">Filter</button>
        </form>
        {{#empty(entries)}}<p class="empty">No key operation matches.</p>{{/empty(entries)}}
        {{^empty(entries)}}
        <table id="audit-entries"><thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Operation</th><th scope="col">Key</th><th scope="col">Version</th><th scope="col">Caller</th><th scope="col">Address</th><th scope="col">Result</th></tr></thead><tbody>
        {{#entries}}<tr{{#failed}} class="failed"{{/failed}}><td>{{sequence}}</td><td>{{time}}</td><td>{{operation}}</td><td>{{key}}</td><td><code>{{version}}</code></td><td title="{{callerId}}">{{caller}}</td><td>{{address}}</td><td>{{result}}</td></tr>{{/entries}}
        </tbody></table>
        {{/empty(entries)}}
        </section></div>
        {{/content}}{{/layout}}
        """
}
