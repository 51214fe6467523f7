// kura — a self-hosted encrypted container registry.
// PortalTemplates: every template of the portal by name (compiled into the binary: no file to find at run time).

/// The templates, each area's in its own file. Every page fills the `layout` template's `content`
/// block; `{{…}}` escapes HTML (no template uses `{{{…}}}`).
enum PortalTemplates {
    static var all: [(String, String)] { LayoutTemplates.all + HomeTemplates.all + VaultTemplates.all + RegistryTemplates.all + DeploymentTemplates.all }
}

/// The frame of every page: top bar (search, user, sign-out), breadcrumbs, notice, heading.
enum LayoutTemplates {
    static let all = [("layout", layout), ("menu", menu), ("error", error), ("signedout", signedOut), ("formerror", formError),
                      ("notifications", notifications)]

    /// The operations this session started; refreshed in place while one runs.
    static let notifications = """
        {{<layout}}{{$content}}
        <section id="notifications" class="notifications" aria-label="Notifications" aria-live="polite"{{#running}} data-refresh="3" data-source="/portal/notifications"{{/running}}>
        {{#empty(items)}}<p class="empty">No operations started in this session.</p>{{/empty(items)}}
        <ul>{{#items}}<li class="{{#running}}running{{/running}}{{#failed}} error{{/failed}}"><a href="{{href}}">{{text}}</a></li>{{/items}}</ul>
        </section>
        {{/content}}{{/layout}}
        """

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} — kura</title>
        <link rel="stylesheet" href="/portal/static/portal.css">
        <script src="/portal/static/portal.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="topbar">
          <a class="brand" href="/portal/">kura portal</a>
          {{#user}}
          <form class="search" action="/portal/" method="get" role="search">
            <label for="global-search" class="visually-hidden">Search resources</label>
            <input id="global-search" name="search" type="search" placeholder="Search resources, groups…">
          </form>
          <a class="nav" href="/portal/deployments">Deployments</a>
          <span class="who" data-testid="signed-in-user">{{name}}</span>
          <form method="post" action="/portal/signout" class="signout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" class="link">Sign out</button>
          </form>
          {{/user}}
        </header>
        {{^empty(crumbs)}}
        <nav class="crumbs" aria-label="Breadcrumb"><ol>
        {{#crumbs}}<li>{{#linked}}<a href="{{href}}">{{name}}</a>{{/linked}}{{^linked}}<span aria-current="page">{{name}}</span>{{/linked}}</li>{{/crumbs}}
        </ol></nav>
        {{/empty(crumbs)}}
        {{#notice}}<div class="notice" role="status" id="notice">{{text}}</div>{{/notice}}
        {{#tracking}}<section id="notifications" class="notifications" aria-label="Notifications" aria-live="polite" data-refresh="3" data-source="/portal/notifications"></section>{{/tracking}}
        <main id="main">
        <h1>{{title}}</h1>
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    /// A resource's menu (its pages), the current one marked.
    static let menu = """
        <nav class="menu" aria-label="Resource menu"><ul>
        {{#menu}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{name}}</a></li>{{/menu}}
        </ul></nav>
        """

    static let formError = """
        {{#error}}<p class="error" role="alert" id="form-error">{{error}}</p>{{/error}}
        """

    static let error = """
        {{<layout}}{{$content}}
        <p class="error" role="alert" id="error-message">{{message}}</p>
        <p><a href="/portal/">Back to Home</a></p>
        {{/content}}{{/layout}}
        """

    static let signedOut = """
        {{<layout}}{{$content}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{^error}}<p>You have signed out of the kura portal.</p>{{/error}}
        <p><a class="button primary" href="/portal/">Sign in</a></p>
        {{/content}}{{/layout}}
        """
}

/// Home, resource groups and managed identities.
enum HomeTemplates {
    static let all = [("home", home), ("group-new", groupNew), ("group", group), ("identity-new", identityNew), ("identity", identity),
                      ("confirm-delete", confirmDelete)]

    static let home = """
        {{<layout}}{{$content}}
        <section aria-labelledby="create-heading" class="create">
          <h2 id="create-heading">Create a resource</h2>
          {{#canCreateGroup}}<a class="button" href="/portal/new-group">Resource group</a>{{/canCreateGroup}}
          {{#canCreateIdentity}}<a class="button" href="/portal/identities/new">Managed identity</a>{{/canCreateIdentity}}
          {{#canCreateVault}}<a class="button" href="/portal/vaults/new">Key vault</a>{{/canCreateVault}}
          {{#canCreateRegistry}}<a class="button" href="/portal/registries/new">Container registry</a>{{/canCreateRegistry}}
          {{^canCreateGroup}}{{^canCreateVault}}{{^canCreateRegistry}}<p class="empty" id="no-create">Your roles do not allow creating resources. Ask an Owner of the subscription for a role assignment.</p>{{/canCreateRegistry}}{{/canCreateVault}}{{/canCreateGroup}}
        </section>
        <form class="filter" action="/portal/" method="get" role="search">
          <label for="search">Filter by name</label>
          <input id="search" name="search" type="search" value="{{search}}">
          <button type="submit">Filter</button>
        </form>
        <section aria-labelledby="groups-heading">
          <h2 id="groups-heading">Resource groups</h2>
          {{^empty(groups)}}
          <table><thead><tr><th scope="col">Name</th><th scope="col">Location</th></tr></thead><tbody>
          {{#groups}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{location}}</td></tr>{{/groups}}
          </tbody></table>
          {{/empty(groups)}}
          {{#empty(groups)}}<p class="empty">No resource groups{{#searching}} match “{{search}}”{{/searching}}.{{#canCreateGroup}} Create one to hold the seed's identity, vault and registry.{{/canCreateGroup}}</p>{{/empty(groups)}}
        </section>
        <section aria-labelledby="resources-heading">
          <h2 id="resources-heading">Resources</h2>
          {{^empty(resources)}}
          <table><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Resource group</th><th scope="col">Location</th></tr></thead><tbody>
          {{#resources}}<tr><td>{{#href}}<a href="{{href}}">{{name}}</a>{{/href}}{{^href}}{{name}}{{/href}}</td><td>{{kind}}</td><td>{{group}}</td><td>{{location}}</td></tr>{{/resources}}
          </tbody></table>
          {{/empty(resources)}}
          {{#empty(resources)}}<p class="empty" id="no-resources">No resources to show{{#searching}} for “{{search}}”{{/searching}}.</p>{{/empty(resources)}}
        </section>
        {{/content}}{{/layout}}
        """

    static let groupNew = """
        {{<layout}}{{$content}}
        <form method="post" action="/portal/groups" class="form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <label for="group-name">Resource group name</label>
          <input id="group-name" name="name" value="{{name}}" required maxlength="90" autocomplete="off">
          {{#errors.name}}<p class="error field-error" role="alert" id="group-name-error">{{errors.name}}</p>{{/errors.name}}
          <label for="group-location">Region</label>
          <input id="group-location" name="location" value="{{location}}" required>
          {{#errors.location}}<p class="error field-error" role="alert" id="group-location-error">{{errors.location}}</p>{{/errors.location}}
          <div class="actions"><button type="submit" class="primary" id="create">Create</button> <a href="/portal/">Cancel</a></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let group = """
        {{<layout}}{{$content}}
        <dl class="essentials"><dt>Location</dt><dd>{{location}}</dd><dt>Resource ID</dt><dd><code>{{id}}</code> <button type="button" class="copy" data-copy="{{id}}">Copy</button></dd></dl>
        <p class="create">
          <a class="button" href="/portal/identities/new?group={{nameQuery}}">Create managed identity</a>
          <a class="button" href="/portal/vaults/new?group={{nameQuery}}">Create key vault</a>
          <a class="button" href="/portal/registries/new?group={{nameQuery}}">Create container registry</a>
        </p>
        <h2>Resources</h2>
        {{^empty(resources)}}
        <table><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Location</th></tr></thead><tbody>
        {{#resources}}<tr><td>{{#href}}<a href="{{href}}">{{name}}</a>{{/href}}{{^href}}{{name}}{{/href}}</td><td>{{kind}}</td><td>{{location}}</td></tr>{{/resources}}
        </tbody></table>
        {{/empty(resources)}}
        {{#empty(resources)}}<p class="empty">This group is empty. Create a managed identity, a key vault or a container registry in it.</p>{{/empty(resources)}}
        {{#canDelete}}{{>confirm-delete}}{{/canDelete}}
        {{/content}}{{/layout}}
        """

    /// A deletion form that asks for `confirmName` to be typed (works without script); the page's
    /// model gives `deleteAction` and `deleteWarning`, and `repository` for a repository's form.
    static let confirmDelete = """
        <details class="danger"><summary>Delete {{confirmName}}</summary>
        <form method="post" action="{{deleteAction}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#repository}}<input type="hidden" name="name" value="{{repository}}">{{/repository}}
          <label for="confirm-delete">Type <strong>{{confirmName}}</strong> to confirm. {{deleteWarning}}</label>
          <input id="confirm-delete" name="confirm" required autocomplete="off">
          <button type="submit" class="danger">Delete</button>
        </form></details>
        """

    static let identityNew = """
        {{<layout}}{{$content}}
        <form method="post" action="/portal/identities" class="form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{>formerror}}
          <label for="identity-group">Resource group</label>
          <select id="identity-group" name="group" required>{{#groups}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groups}}</select>
          {{#errors.group}}<p class="error field-error" role="alert" id="identity-group-error">{{errors.group}}</p>{{/errors.group}}
          {{#empty(groups)}}<p class="hint">There is no resource group yet: <a href="/portal/new-group">create one</a> first.</p>{{/empty(groups)}}
          <label for="identity-location">Region</label>
          <input id="identity-location" name="location" value="{{location}}" required>
          {{#errors.location}}<p class="error field-error" role="alert" id="identity-location-error">{{errors.location}}</p>{{/errors.location}}
          <label for="identity-name">Name</label>
          <input id="identity-name" name="name" value="{{name}}" required autocomplete="off">
          {{#errors.name}}<p class="error field-error" role="alert" id="identity-name-error">{{errors.name}}</p>{{/errors.name}}
          <div class="actions"><button type="submit" class="primary" id="create">Review + create</button> <a href="/portal/">Cancel</a></div>
        </form>
        {{/content}}{{/layout}}
        """

    static let identity = """
        {{<layout}}{{$content}}
        <dl class="essentials">
          <dt>Resource group</dt><dd><a href="{{groupHref}}">{{group}}</a></dd>
          <dt>Location</dt><dd>{{location}}</dd>
          <dt>Client ID</dt><dd><code id="client-id">{{clientId}}</code> <button type="button" class="copy" data-copy="{{clientId}}">Copy</button></dd>
          <dt>Object (principal) ID</dt><dd><code id="principal-id">{{principalId}}</code> <button type="button" class="copy" data-copy="{{principalId}}">Copy</button></dd>
          <dt>Tenant ID</dt><dd><code>{{tenantId}}</code></dd>
          <dt>Resource ID</dt><dd><code id="resource-id">{{id}}</code> <button type="button" class="copy" data-copy="{{id}}">Copy</button></dd>
        </dl>
        <p class="hint">Give this identity access to a key in a vault (the vault's Access policies: Get, Unwrap Key, Wrap Key), then choose it on a registry's Encryption tab.</p>
        {{/content}}{{/layout}}
        """
}
