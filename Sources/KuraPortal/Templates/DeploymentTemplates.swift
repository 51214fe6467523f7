// kura — a self-hosted encrypted container registry.
// DeploymentTemplates: deployments — list, custom deployment (template, parameters), one deployment.

enum DeploymentTemplates {
    static let all = [("deployments", deployments), ("deployment-new", deploymentNew), ("deployment", deployment)]

    static let deployments = """
        {{<layout}}{{$content}}
        <p><a class="button" href="/portal/deployments/new" id="new-deployment">Deploy a custom template</a></p>
        {{#empty(deployments)}}<p class="empty">No deployments yet. Deploy a template (the seed's, for a customer-managed-key registry) to a resource group.</p>{{/empty(deployments)}}
        {{^empty(deployments)}}
        <table id="deployments"><thead><tr><th scope="col">Deployment</th><th scope="col">Resource group</th><th scope="col">Status</th><th scope="col">Time</th></tr></thead><tbody>
        {{#deployments}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{group}}</td><td>{{state}}</td><td>{{timestamp}}</td></tr>{{/deployments}}
        </tbody></table>
        {{/empty(deployments)}}
        {{/content}}{{/layout}}
        """

    static let deploymentNew = """
        {{<layout}}{{$content}}
        <form method="post" action="/portal/deployments/new" class="form wide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <nav class="tabs" aria-label="Steps"><ul><li><span{{#templateStep}} aria-current="step"{{/templateStep}}>Template</span></li>
          <li><span{{#parametersStep}} aria-current="step"{{/parametersStep}}>Parameters</span></li></ul></nav>
          {{>formerror}}
          {{#templateStep}}
          <label for="deployment-group">Resource group</label>
          <select id="deployment-group" name="group" required>{{#groups}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groups}}</select>
          <label for="deployment-name">Deployment name</label>
          <input id="deployment-name" name="name" value="{{name}}" required maxlength="64" autocomplete="off">
          <label for="template-file">Template file (JSON)</label>
          <input id="template-file" type="file" accept=".json,application/json" data-fills="template-text" aria-describedby="template-file-hint">
          <p class="hint" id="template-file-hint">The file is read into the box below; without script, paste the template there.</p>
          <label for="template-text">Template</label>
          <textarea id="template-text" name="template" rows="16" required spellcheck="false">{{template}}</textarea>
          <div class="actions"><button type="submit" name="action" value="parameters" class="primary" id="next-parameters">Next: Parameters</button></div>
          {{/templateStep}}
          {{#parametersStep}}
          <dl class="essentials"><dt>Resource group</dt><dd>{{group}}</dd><dt>Deployment name</dt><dd>{{name}}</dd></dl>
          {{#empty(fields)}}<p class="empty">The template takes no parameters.</p>{{/empty(fields)}}
          {{#fields}}
          <label for="{{id}}">{{name}} <span class="muted">({{type}}{{#hasDefault}}, has a default{{/hasDefault}})</span></label>
          {{#plain}}<input id="{{id}}" name="parameter:{{name}}" value="{{value}}"{{#description}} aria-describedby="{{id}}-hint"{{/description}}>{{/plain}}
          {{#password}}<input id="{{id}}" name="parameter:{{name}}" type="password" autocomplete="off">{{/password}}
          {{#json}}<textarea id="{{id}}" name="parameter:{{name}}" rows="4" spellcheck="false">{{value}}</textarea>{{/json}}
          {{#hasChoices}}<select id="{{id}}" name="parameter:{{name}}">{{#choices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/choices}}</select>{{/hasChoices}}
          {{#description}}<p class="hint" id="{{id}}-hint">{{description}}</p>{{/description}}
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          {{/fields}}
          <div class="actions"><a href="/portal/deployments/new">Previous</a> <button type="submit" name="action" value="deploy" class="primary" id="deploy">Review + create</button></div>
          {{/parametersStep}}
        </form>
        {{/content}}{{/layout}}
        """

    static let deployment = """
        {{<layout}}{{$content}}
        <section id="deployment-status"{{#running}} data-refresh="2"{{/running}}>
        <dl class="essentials">
          <dt>Resource group</dt><dd><a href="{{groupHref}}">{{group}}</a></dd>
          <dt>Status</dt><dd id="deployment-state" class="{{#failed}}error{{/failed}}">{{state}}</dd>
          <dt>Time</dt><dd>{{timestamp}}</dd><dt>Duration</dt><dd>{{duration}}</dd>
        </dl>
        {{#error}}<p class="error" role="alert" id="deployment-error">{{error}}</p>{{/error}}
        <h2>Deployment details</h2>
        {{#empty(operations)}}<p class="empty">No resource has been deployed yet.</p>{{/empty(operations)}}
        {{^empty(operations)}}
        <table id="operations"><thead><tr><th scope="col">Resource</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Code</th><th scope="col">Message</th></tr></thead><tbody>
        {{#operations}}<tr><td>{{resource}}</td><td>{{type}}</td><td>{{state}}</td><td>{{status}}</td><td>{{message}}</td></tr>{{/operations}}
        </tbody></table>
        {{/empty(operations)}}
        {{^empty(outputs)}}<h2>Outputs</h2><dl class="essentials">{{#outputs}}<dt>{{name}}</dt><dd><code>{{value}}</code></dd>{{/outputs}}</dl>{{/empty(outputs)}}
        {{#running}}<form method="post" action="{{cancelAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Cancel</button></form>{{/running}}
        </section>
        {{/content}}{{/layout}}
        """
}
