// kura — a self-hosted encrypted container registry.
// RegistryTemplates: container registry pages — create (tabs), key picker, overview, encryption,
// repositories, access control.

enum RegistryTemplates {
    static let all = [("registry-new", registryNew), ("key-picker", keyPicker), ("registry", registry), ("registry-encryption", encryption),
                      ("repositories", repositories), ("repository", repository), ("access-control", accessControl)]

    static let registryNew = """
        {{<layout}}{{$content}}
        <form method="post" action="/portal/registries/new" class="form wide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <nav class="tabs" aria-label="Steps"><ul>
          {{#tabs}}<li><button type="submit" name="action" value="{{id}}" id="tab-{{id}}"{{#current}} aria-current="step"{{/current}}>{{name}}</button></li>{{/tabs}}
          </ul></nav>
          {{>formerror}}
          {{#basics}}
          <h2>Project details</h2>
          <label for="registry-group">Resource group</label>
          <select id="registry-group" name="group" required>{{#groups}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groups}}</select>
          {{#errors.group}}<p class="error field-error" role="alert" id="registry-group-error">{{errors.group}}</p>{{/errors.group}}
          <h2>Instance details</h2>
          <label for="registry-name">Registry name</label>
          <input id="registry-name" name="name" value="{{name}}" required pattern="[A-Za-z0-9]{5,50}" autocomplete="off" aria-describedby="registry-name-hint">
          {{#errors.name}}<p class="error field-error" role="alert" id="registry-name-error">{{errors.name}}</p>{{/errors.name}}
          <p class="hint" id="registry-name-hint">5–50 letters and digits, unique across the installation.</p>
          <label for="registry-location">Location</label>
          <input id="registry-location" name="location" value="{{location}}" required>
          {{#errors.location}}<p class="error field-error" role="alert" id="registry-location-error">{{errors.location}}</p>{{/errors.location}}
          <label for="registry-sku">Pricing plan (SKU)</label>
          <select id="registry-sku" name="sku">{{#skus}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/skus}}</select>
          {{#errors.sku}}<p class="error field-error" role="alert" id="registry-sku-error">{{errors.sku}}</p>{{/errors.sku}}
          <p class="hint">A customer-managed key needs the Premium plan.</p>
          <div class="actions"><button type="submit" name="action" value="review" id="review-create">Review + create</button>
          <button type="submit" name="action" value="encryption" class="primary" id="next-encryption">Next: Encryption</button></div>
          {{/basics}}
          {{#encryption}}
          <fieldset><legend>Customer-managed key</legend>
          <div class="check"><input type="radio" id="cmk-disabled" name="cmk" value="disabled"{{^cmkEnabled}} checked{{/cmkEnabled}}><label for="cmk-disabled">Disabled (a key kura manages encrypts the registry)</label></div>
          <div class="check"><input type="radio" id="cmk-enabled" name="cmk" value="enabled"{{#cmkEnabled}} checked{{/cmkEnabled}}><label for="cmk-enabled">Enabled (your key in a key vault wraps the registry's data key)</label></div>
          </fieldset>
          {{^premium}}<p class="hint warning">The Basics tab chose {{sku}}: a customer-managed key needs Premium.</p>{{/premium}}
          <label for="registry-identity">Identity (a user-assigned managed identity that may Get, Wrap Key and Unwrap Key in the vault)</label>
          <select id="registry-identity" name="identity"><option value="">Select an identity</option>{{#identities}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/identities}}</select>
          {{#errors.identity}}<p class="error field-error" role="alert" id="registry-identity-error">{{errors.identity}}</p>{{/errors.identity}}
          {{#empty(identities)}}<p class="hint">You can see no managed identity: <a href="/portal/identities/new">create one</a>.</p>{{/empty(identities)}}
          <label for="registry-key">Encryption key (key identifier)</label>
          <div class="inline"><input id="registry-key" name="keyId" value="{{keyId}}" placeholder="https://<vault>.vault.localhost/keys/<key>[/<version>]" autocomplete="off">
          <button type="submit" name="action" value="picker" id="select-key">Select from Key Vault</button></div>
          {{#errors.keyId}}<p class="error field-error" role="alert" id="registry-key-error">{{errors.keyId}}</p>{{/errors.keyId}}
          <p class="hint">A key identifier with a version pins that version; without one the registry follows the key's newest version.</p>
          <div class="actions"><button type="submit" name="action" value="basics" id="previous-basics">Previous</button>
          <button type="submit" name="action" value="review" class="primary" id="review-create">Review + create</button></div>
          {{/encryption}}
          {{#review}}
          <h2>Basics</h2>
          <dl class="essentials"><dt>Resource group</dt><dd>{{group}}</dd><dt>Registry name</dt><dd id="review-name">{{name}}</dd><dt>Location</dt><dd>{{location}}</dd><dt>SKU</dt><dd id="review-sku">{{sku}}</dd></dl>
          <h2>Encryption</h2>
          <dl class="essentials"><dt>Customer-managed key</dt><dd id="review-cmk">{{#cmkEnabled}}Enabled{{/cmkEnabled}}{{^cmkEnabled}}Disabled{{/cmkEnabled}}</dd>
          {{#cmkEnabled}}<dt>Identity</dt><dd>{{identityName}}</dd><dt>Encryption key</dt><dd><code id="review-key">{{keyId}}</code></dd>{{/cmkEnabled}}</dl>
          <div class="actions"><button type="submit" name="action" value="encryption" id="previous-encryption">Previous</button>
          <button type="submit" name="action" value="create" class="primary" id="create">Create</button></div>
          {{/review}}
        </form>
        {{/content}}{{/layout}}
        """

    static let keyPicker = """
        {{<layout}}{{$content}}
        <ol class="steps"><li>{{#atVault}}<strong>Key vault</strong>{{/atVault}}{{^atVault}}<a href="{{vaultsHref}}">Key vault: {{vault}}</a>{{/atVault}}</li>
        <li>{{#atKey}}<strong>Key</strong>{{/atKey}}{{#atVersion}}<a href="{{keysHref}}">Key: {{key}}</a>{{/atVersion}}{{#atVault}}Key{{/atVault}}</li>
        <li>{{#atVersion}}<strong>Version</strong>{{/atVersion}}{{^atVersion}}Version{{/atVersion}}</li></ol>
        {{#atVault}}
        <h2>Key vault</h2>
        {{#empty(vaults)}}<p class="empty">You can see no key vault. <a href="/portal/vaults/new">Create one</a> with purge protection.</p>{{/empty(vaults)}}
        <ul class="choices" id="picker-vaults">{{#vaults}}<li><a href="{{href}}">{{name}}</a></li>{{/vaults}}</ul>
        {{/atVault}}
        {{#atKey}}
        <h2>Key</h2>
        {{#empty(keys)}}<p class="empty">The vault has no key you may list. Generate one on the vault's Keys page.</p>{{/empty(keys)}}
        <ul class="choices" id="picker-keys">{{#keys}}<li><a href="{{href}}">{{name}}</a></li>{{/keys}}</ul>
        {{/atKey}}
        {{#atVersion}}
        <h2>Version</h2>
        <form method="post" action="/portal/key-picker" id="picker-versions">
          <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="for" value="{{for}}">
          <div class="check"><input type="radio" id="version-none" name="keyId" value="{{versionless}}"><label for="version-none">No version: follow the key's newest version (automatic rotation)</label></div>
          {{#versions}}<div class="check"><input type="radio" id="version-{{version}}" name="keyId" value="{{kid}}"{{#current}} checked{{/current}}{{^enabled}} disabled{{/enabled}}>
          <label for="version-{{version}}"><code>{{version}}</code>{{#current}} (current){{/current}}{{^enabled}} (disabled){{/enabled}}</label></div>{{/versions}}
          <div class="actions"><button type="submit" class="primary" id="select">Select</button> <a href="{{cancelHref}}">Cancel</a></div>
        </form>
        {{/atVersion}}
        {{/content}}{{/layout}}
        """

    static let registry = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <dl class="essentials">
          <dt>Resource group</dt><dd><a href="{{groupHref}}">{{group}}</a></dd>
          <dt>Login server</dt><dd><code id="login-server">{{loginServer}}</code> <button type="button" class="copy" data-copy="{{loginServer}}">Copy</button></dd>
          <dt>SKU</dt><dd>{{sku}}</dd><dt>Location</dt><dd>{{location}}</dd><dt>Created</dt><dd>{{created}}</dd>
          <dt>Admin user</dt><dd>{{#adminUser}}Enabled{{/adminUser}}{{^adminUser}}Disabled{{/adminUser}}</dd>
          <dt>Encryption</dt><dd>{{#encrypted}}Customer-managed key{{/encrypted}}{{^encrypted}}Service-managed key{{/encrypted}}</dd>
          <dt>Resource ID</dt><dd><code>{{id}}</code></dd>
        </dl>
        <h2>Push and pull</h2>
        <p>Sign in, then push and pull with any OCI client:</p>
        <pre><code>{{loginCommand}}</code></pre> <button type="button" class="copy" data-copy="{{loginCommand}}">Copy</button>
        <pre><code>{{pushCommand}}</code></pre> <button type="button" class="copy" data-copy="{{pushCommand}}">Copy</button>
        <pre><code>{{pullCommand}}</code></pre> <button type="button" class="copy" data-copy="{{pullCommand}}">Copy</button>
        </section></div>
        {{/content}}{{/layout}}
        """

    static let encryption = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        {{#enabled}}
        <dl class="essentials" id="encryption-status" data-refresh="5">
          <dt>Customer-managed key</dt><dd id="cmk-status">Enabled</dd>
          <dt>Key accessible</dt><dd id="key-accessible" class="{{#accessible}}ok{{/accessible}}{{^accessible}}error{{/accessible}}">{{#accessible}}Yes{{/accessible}}{{^accessible}}No{{/accessible}}</dd>
          {{#lastKeyError}}<dt>Reason</dt><dd id="last-key-error" class="error">{{lastKeyError}}</dd>{{/lastKeyError}}
          <dt>Key identifier</dt><dd><code id="key-identifier">{{keyIdentifier}}</code></dd>
          <dt>Key version in use</dt><dd><code id="versioned-key-identifier">{{versionedKeyIdentifier}}</code></dd>
          <dt>Automatic rotation</dt><dd>{{#autoRotation}}On (versionless key: the newest version is followed){{/autoRotation}}{{^autoRotation}}Off (a version is pinned){{/autoRotation}}</dd>
          <dt>Identity</dt><dd>{{identity}} <code>{{identityClientId}}</code></dd>
          <dt>Last rotation</dt><dd id="last-rotation">{{lastRotation}}</dd>
        </dl>
        {{#canWrite}}
        <h2>Rotate key</h2>
        <form method="post" action="{{rotateAction}}" class="form wide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <label for="rotate-key">New encryption key (key identifier)</label>
          <div class="inline"><input id="rotate-key" name="keyId" value="{{newKeyId}}" autocomplete="off">
          <button type="submit" name="action" value="picker" id="select-key">Select from Key Vault</button></div>
          {{#errors.keyId}}<p class="error field-error" role="alert" id="rotate-key-error">{{errors.keyId}}</p>{{/errors.keyId}}
          <label for="rotate-identity">Identity</label>
          <select id="rotate-identity" name="identity">{{#identities}}<option value="{{clientId}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/identities}}</select>
          {{#errors.identity}}<p class="error field-error" role="alert" id="rotate-identity-error">{{errors.identity}}</p>{{/errors.identity}}
          <div class="actions"><button type="submit" name="action" value="rotate" class="primary" id="rotate">Rotate key</button></div>
        </form>
        {{/canWrite}}
        {{/enabled}}
        {{^enabled}}<p id="cmk-status">Customer-managed key: Disabled. The registry is encrypted at rest with a key kura manages; a customer-managed key can only be chosen when the registry is created (Premium).</p>{{/enabled}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let repositories = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        {{#empty(repositories)}}<p class="empty">No repositories yet. Push an image (see the Overview's commands) and it appears here.</p>{{/empty(repositories)}}
        {{^empty(repositories)}}
        <table id="repositories"><thead><tr><th scope="col">Repository</th><th scope="col">Tags</th></tr></thead><tbody>
        {{#repositories}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{tags}}</td></tr>{{/repositories}}
        </tbody></table>
        {{/empty(repositories)}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let repository = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <table id="manifests"><thead><tr><th scope="col">Tags</th><th scope="col">Digest</th><th scope="col">Platform</th><th scope="col">Size</th><th scope="col">Created</th></tr></thead><tbody>
        {{#manifests}}<tr><td>{{tags}}</td><td><code>{{digest}}</code></td><td>{{platform}}</td><td>{{size}}</td><td>{{created}}</td></tr>{{/manifests}}
        </tbody></table>
        {{#canDelete}}{{>confirm-delete}}{{/canDelete}}
        </section></div>
        {{/content}}{{/layout}}
        """

    static let accessControl = """
        {{<layout}}{{$content}}
        <div class="blade">{{>menu}}<section class="blade-body">
        <h2>Role assignments</h2>
        {{#empty(assignments)}}<p class="empty">No role assignment applies to this registry.</p>{{/empty(assignments)}}
        {{^empty(assignments)}}
        <table id="role-assignments"><thead><tr><th scope="col">Member</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Scope</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        {{#assignments}}<tr><td>{{principal}}</td><td>{{kind}}</td><td>{{role}}</td><td>{{scope}}</td><td>{{#removable}}{{#canWrite}}<form method="post" action="{{removeAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><button type="submit" class="danger" aria-label="Remove {{role}} of {{principal}}">Remove</button></form>{{/canWrite}}{{/removable}}</td></tr>{{/assignments}}
        </tbody></table>
        {{/empty(assignments)}}
        {{#canWrite}}
        <h2>Add role assignment</h2>
        <form method="get" action="{{here}}" class="filter" role="search">
          <label for="member-search">Find a member by name or id</label>
          <input id="member-search" name="search" type="search" value="{{search}}"><button type="submit">Search</button>
        </form>
        {{#searched}}
        <form method="post" action="{{addAction}}" class="form wide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <label for="role">Role</label>
          <input type="hidden" name="search" value="{{search}}">
          <select id="role" name="role">{{#roles}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/roles}}</select>
          <fieldset class="picker"><legend>Member</legend>
          {{#candidates}}<div class="check"><input type="radio" name="principal" id="member-{{objectId}}" value="{{objectId}}"{{#selected}} checked{{/selected}}><label for="member-{{objectId}}">{{name}} <span class="muted">({{kind}}, {{detail}})</span></label></div>{{/candidates}}
          {{#empty(candidates)}}<p class="empty">No member matches “{{search}}”. Owners of the subscription find members by any part of their name; others enter its object id.</p>{{/empty(candidates)}}
          </fieldset>
          <div class="actions"><button type="submit" class="primary">Review + assign</button></div>
        </form>
        {{/searched}}
        {{^searched}}{{>formerror}}{{/searched}}
        {{/canWrite}}
        </section></div>
        {{/content}}{{/layout}}
        """
}
