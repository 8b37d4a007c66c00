/// Workflows: the list with its filters, one workflow's page (DAG, versions, deployments, run
/// form) and the editor.
extension ConsoleTemplates {
    static let workflows = """
        {{> top}}
        <div class="heading">
        <h1>Workflows</h1>
        {{#can.workflowsCreate}}<a class="button primary" id="new-workflow" href="/ui/editor">New workflow</a>{{/can.workflowsCreate}}
        </div>
        <form method="get" action="/ui/workflows" class="filters" role="search">
          <label for="q">Name starts with</label><input id="q" name="q" value="{{filter.q}}">
          <label for="tag">Tag</label><input id="tag" name="tag" value="{{filter.tag}}">
          <button type="submit">Filter</button>
        </form>
        {{#hasItems}}
        <table class="list" id="workflows">
        <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Tags</th><th scope="col">Version</th><th scope="col">Deployed</th><th scope="col">Updated</th></tr></thead>
        <tbody>
        {{#items}}<tr><td><a href="/ui/workflows/{{link}}">{{name}}</a></td><td>{{description}}</td><td>{{#tags}}<a class="tag" href="/ui/workflows?tag={{.}}">{{.}}</a> {{/tags}}</td><td>v{{version}}</td><td>{{#deployments}}<span class="env">{{environment}} v{{version}}</span> {{/deployments}}</td><td><time datetime="{{updatedAt}}">{{updated}}</time></td></tr>{{/items}}
        </tbody></table>
        {{/hasItems}}
        {{^hasItems}}<p class="muted" id="no-workflows">No workflows{{#filtered}} match these filters{{/filtered}}.{{#can.workflowsCreate}} <a href="/ui/editor">Write the first one.</a>{{/can.workflowsCreate}}</p>{{/hasItems}}
        {{#next}}<p><a href="/ui/workflows?{{next}}" rel="next">Next page</a></p>{{/next}}
        {{> bottom}}
        """

    static let workflow = """
        {{> top}}
        <div class="heading">
        <h1>{{name}}</h1>
        {{> favorite-button}}
        {{#can.workflowsCreate}}<a class="button" id="edit-workflow" href="/ui/editor/{{link}}">Edit</a>{{/can.workflowsCreate}}
        </div>
        {{#description}}<p>{{description}}</p>{{/description}}
        <p class="meta">{{#team}}Team {{team}} · {{/team}}{{#tags}}<span class="tag">{{.}}</span> {{/tags}}</p>
        <figure id="dag" class="dag" aria-label="The workflow's steps">{{{svg}}}</figure>
        <div class="columns">
        <section>
        <h2>Deployments</h2>
        {{#hasDeployments}}
        <table class="list" id="deployments"><thead><tr><th scope="col">Environment</th><th scope="col">Version</th><th scope="col">By</th><th scope="col">When</th></tr></thead><tbody>
        {{#deployments}}<tr><td>{{environment}}</td><td>v{{version}}</td><td>{{by}}</td><td><time datetime="{{at}}">{{when}}</time></td></tr>{{/deployments}}
        </tbody></table>
        {{/hasDeployments}}
        {{^hasDeployments}}<p class="muted">Not deployed anywhere.</p>{{/hasDeployments}}
        </section>
        {{#can.workflowsExecute}}{{#hasDeployments}}
        <section>
        <h2>Run</h2>
        {{#runProblem}}<p class="alert" role="alert" id="run-error">{{runProblem}}</p>{{/runProblem}}
        <form method="post" action="/ui/workflows/{{link}}/run" id="run-form">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          {{#fields}}
          <div class="field">
          {{#isCheckbox}}<input type="checkbox" id="field-{{name}}" name="input.{{name}}"{{#checked}} checked{{/checked}}> <label for="field-{{name}}">{{name}}</label>{{/isCheckbox}}
          {{^isCheckbox}}<label for="field-{{name}}">{{name}}{{#required}} <span class="required" aria-label="required">*</span>{{/required}}</label>
          {{#isSelect}}<select id="field-{{name}}" name="input.{{name}}"{{#required}} required{{/required}}>{{^required}}<option value=""></option>{{/required}}{{#choices}}<option{{#selected}} selected{{/selected}}>{{text}}</option>{{/choices}}</select>{{/isSelect}}
          {{#isJSON}}<textarea id="field-{{name}}" name="input.{{name}}" rows="4" class="code"{{#required}} required{{/required}}>{{value}}</textarea>{{/isJSON}}
          {{#isInput}}<input id="field-{{name}}" name="input.{{name}}" type="{{inputType}}"{{#step}} step="{{step}}"{{/step}} value="{{value}}"{{#required}} required{{/required}}>{{/isInput}}
          {{/isCheckbox}}
          {{#description}}<p class="hint">{{description}}</p>{{/description}}
          </div>
          {{/fields}}
          <label for="environment">Environment</label>
          <select id="environment" name="environment">{{#deployments}}<option value="{{environment}}">{{environment}} (v{{version}})</option>{{/deployments}}</select>
          <button id="run" type="submit" class="primary">Run</button>
        </form>
        </section>
        {{/hasDeployments}}{{/can.workflowsExecute}}
        </div>
        <section>
        <h2>Versions</h2>
        <table class="list" id="versions"><thead><tr><th scope="col">Version</th><th scope="col">Message</th><th scope="col">Branch</th><th scope="col">By</th><th scope="col">When</th></tr></thead><tbody>
        {{#versions}}<tr><td>v{{version}}{{#previous}} <a href="/ui/workflows/{{link}}/diff?from={{previous}}&amp;to={{version}}">compare with v{{previous}}</a>{{/previous}}</td><td>{{message}}</td><td>{{branch}}</td><td>{{by}}</td><td><time datetime="{{at}}">{{when}}</time></td></tr>{{/versions}}
        </tbody></table>
        </section>
        <section>
        <h2>Recent executions</h2>
        {{#hasExecutions}}{{> execution-rows}}{{/hasExecutions}}
        {{^hasExecutions}}<p class="muted">None yet.</p>{{/hasExecutions}}
        </section>
        {{> bottom}}
        """

    static let workflowDiff = """
        {{> top}}
        <h1>{{name}}: v{{from}} and v{{to}}</h1>
        <form method="get" action="/ui/workflows/{{link}}/diff" class="filters">
          <label for="from">From</label><select id="from" name="from">{{#choicesFrom}}<option{{#selected}} selected{{/selected}}>{{version}}</option>{{/choicesFrom}}</select>
          <label for="to">To</label><select id="to" name="to">{{#choicesTo}}<option{{#selected}} selected{{/selected}}>{{version}}</option>{{/choicesTo}}</select>
          <button type="submit">Compare</button>
        </form>
        <p class="meta">{{changed}} lines differ. <a href="/ui/workflows/{{link}}">Back to {{name}}</a></p>
        {{#tooLarge}}<p class="alert" role="alert">These versions are too large to compare line by line; <code>agentctl workflows diff</code> compares them by field.</p>{{/tooLarge}}
        <table class="diff" id="diff">
        <thead><tr><th scope="col" colspan="2">v{{from}}</th><th scope="col" colspan="2">v{{to}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr class="{{kind}}"><td class="n">{{leftNumber}}</td><td class="text old">{{left}}</td><td class="n">{{rightNumber}}</td><td class="text new">{{right}}</td></tr>{{/rows}}
        </tbody></table>
        {{> bottom}}
        """

    static let editor = """
        {{> top}}
        <h1>{{#name}}Edit {{name}}{{/name}}{{^name}}New workflow{{/name}}</h1>
        <p class="muted">YAML as <code>agentctl apply</code> takes it: one or more <code>workflow:</code> and <code>agent:</code> documents. It is checked as you type.</p>
        <form method="post" action="/ui/editor/apply" id="editor-form" class="editor" data-check="/ui/editor/check">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <div class="editor-panes">
            <div class="code-pane">
              <label for="document">Definition</label>
              <div class="code-box"><div class="gutter" aria-hidden="true">{{#lines}}<span data-line="{{n}}"{{#error}} class="line-error"{{/error}}>{{n}}</span>{{/lines}}</div><textarea id="document" name="document" spellcheck="false" autocapitalize="off" autocomplete="off" rows="24" required>{{document}}</textarea></div>
            </div>
            <div class="preview-pane">
              <p id="validation-status" data-state="{{state}}" role="status" aria-live="polite">{{stateText}}</p>
              <ul id="issues">{{#issues}}<li data-line="{{line}}"><code>{{path}}</code> {{message}}</li>{{/issues}}</ul>
              <figure id="preview" class="dag" aria-label="Preview of the steps">{{{svg}}}</figure>
            </div>
          </div>
          <label for="message">Message <span class="muted">(why: kept with the new version)</span></label>
          <input id="message" name="message" maxlength="500" value="{{message}}">
          <button id="apply" type="submit" class="primary">Apply</button>
        </form>
        {{> bottom}}
        """
}
