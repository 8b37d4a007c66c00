/// Settings: people and teams, API keys, secrets, models and the audit log, each behind the
/// permission its API routes need, under one sub-navigation.
extension ConsoleTemplates {
    static let settingsNav = """
        <nav class="subnav" aria-label="Settings">
          {{#can.usersView}}<a href="/ui/settings/users"{{#sub.users}} aria-current="page"{{/sub.users}}>People and teams</a>{{/can.usersView}}
          {{#can.apiKeysManage}}<a href="/ui/settings/keys"{{#sub.keys}} aria-current="page"{{/sub.keys}}>API keys</a>{{/can.apiKeysManage}}
          {{#can.secretsRead}}<a href="/ui/settings/secrets"{{#sub.secrets}} aria-current="page"{{/sub.secrets}}>Secrets</a>{{/can.secretsRead}}
          {{#can.workflowsView}}<a href="/ui/settings/models"{{#sub.models}} aria-current="page"{{/sub.models}}>Models</a>{{/can.workflowsView}}
          {{#can.auditView}}<a href="/ui/settings/audit"{{#sub.audit}} aria-current="page"{{/sub.audit}}>Audit log</a>{{/can.auditView}}
        </nav>
        {{#problem}}<p class="alert" role="alert" id="settings-error">{{problem}}</p>{{/problem}}
        {{#notice}}<p class="notice" role="status" id="settings-notice">{{notice}}</p>{{/notice}}
        """

    static let settingsUsers = """
        {{> top}}
        <h1>Settings</h1>
        {{> settings-nav}}
        <section>
        <h2>People</h2>
        <table class="list" id="users"><thead><tr><th scope="col">Login</th><th scope="col">Name</th><th scope="col">Roles here</th><th scope="col">State</th><th scope="col">Since</th></tr></thead><tbody>
        {{#users}}<tr><td>{{login}}</td><td>{{name}}</td><td>{{roles}}</td><td>{{#disabled}}<span class="status failed">disabled</span>{{/disabled}}{{^disabled}}active{{/disabled}}</td><td>{{since}}</td></tr>{{/users}}
        </tbody></table>
        {{#can.usersManage}}
        <form method="post" action="/ui/settings/users" id="user-form" class="filters">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <label for="new-login">Login</label><input id="new-login" name="login" required autocomplete="off">
          <label for="new-name">Name</label><input id="new-name" name="display_name">
          <label for="new-role">Role</label><select id="new-role" name="role">{{#roles}}<option>{{.}}</option>{{/roles}}</select>
          <label for="new-password">First password <span class="muted">(12 characters or more; they change it)</span></label><input id="new-password" name="password" type="password" autocomplete="new-password" minlength="12">
          <button type="submit" id="add-user">Add person</button>
        </form>
        {{/can.usersManage}}
        </section>
        <section>
        <h2>Teams</h2>
        {{#hasTeams}}<table class="list" id="teams"><thead><tr><th scope="col">Team</th><th scope="col">Members</th></tr></thead><tbody>
        {{#teams}}<tr><td>{{name}}</td><td>{{members}}</td></tr>{{/teams}}
        </tbody></table>{{/hasTeams}}
        {{^hasTeams}}<p class="muted">No teams: everything belongs to the whole org.</p>{{/hasTeams}}
        {{#can.teamsManage}}
        <form method="post" action="/ui/settings/teams" id="team-form" class="filters">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <label for="team-name">Name</label><input id="team-name" name="name" required>
          <button type="submit" id="add-team">Add team</button>
        </form>
        <p class="muted">Members join with <code>agentctl teams add-member</code>.</p>
        {{/can.teamsManage}}
        </section>
        <section>
        <h2>Roles</h2>
        <table class="list" id="roles"><thead><tr><th scope="col">Role</th><th scope="col">Permissions</th></tr></thead><tbody>
        {{#roleTable}}<tr><td>{{name}}{{^builtIn}} <span class="tag">custom</span>{{/builtIn}}</td><td class="permissions">{{permissions}}</td></tr>{{/roleTable}}
        </tbody></table>
        </section>
        {{> bottom}}
        """

    static let settingsKeys = """
        {{> top}}
        <h1>Settings</h1>
        {{> settings-nav}}
        {{#created}}
        <section class="notice" id="new-key" aria-live="polite">
        <h2>Key {{name}} created</h2>
        <p>Copy it now: agentd keeps only its hash and will not show it again.</p>
        <pre id="new-key-token">{{token}}</pre>
        </section>
        {{/created}}
        <section>
        <h2>API keys</h2>
        {{#hasKeys}}
        <table class="list" id="keys"><thead><tr><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Scopes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"></th></tr></thead><tbody>
        {{#keys}}<tr><td>{{name}}</td><td><code>{{id}}</code></td><td>{{scopes}}</td><td>{{expires}}</td><td>{{lastUsed}}</td><td>{{state}}</td>
        <td>{{^revoked}}<form method="post" action="/ui/settings/keys/{{id}}/revoke"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Revoke</button></form>{{/revoked}}</td></tr>{{/keys}}
        </tbody></table>
        {{/hasKeys}}
        {{^hasKeys}}<p class="muted">No keys yet.</p>{{/hasKeys}}
        <form method="post" action="/ui/settings/keys" id="key-form" class="filters">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <label for="key-name">Name</label><input id="key-name" name="name" required maxlength="100">
          <label for="key-scopes">Scopes <span class="muted">(permissions or presets, comma-separated; empty: all of yours)</span></label><input id="key-scopes" name="scopes" size="30">
          <label for="key-expires">Expires in</label><input id="key-expires" name="expires_in" placeholder="90d" size="6">
          <button type="submit" id="create-key">Create key</button>
        </form>
        </section>
        {{> bottom}}
        """

    static let settingsSecrets = """
        {{> top}}
        <h1>Settings</h1>
        {{> settings-nav}}
        <section>
        <h2>Secrets</h2>
        <p class="muted">Names and versions only: values are sealed in the vault and never shown here.</p>
        {{#hasSecrets}}
        <table class="list" id="secrets"><thead><tr><th scope="col">Path</th><th scope="col">Environment</th><th scope="col">Version</th><th scope="col">Updated</th><th scope="col">By</th></tr></thead><tbody>
        {{#secrets}}<tr><td><code>{{path}}</code></td><td>{{environment}}</td><td>{{version}}</td><td>{{updated}}</td><td>{{by}}</td></tr>{{/secrets}}
        </tbody></table>
        {{/hasSecrets}}
        {{^hasSecrets}}<p class="muted">No secrets yet.</p>{{/hasSecrets}}
        {{#can.secretsWrite}}
        <form method="post" action="/ui/settings/secrets" id="secret-form" class="filters" autocomplete="off">
          <input type="hidden" name="csrf_token" value="{{csrf}}">
          <label for="secret-path">Path</label><input id="secret-path" name="path" required placeholder="crm/api-token">
          <label for="secret-environment">Environment</label><select id="secret-environment" name="environment">{{#environments}}<option>{{.}}</option>{{/environments}}</select>
          <label for="secret-value">Value <span class="muted">(write-only)</span></label><input id="secret-value" name="value" type="password" required autocomplete="off">
          <button type="submit" id="set-secret">Set</button>
        </form>
        {{/can.secretsWrite}}
        </section>
        {{> bottom}}
        """

    static let settingsModels = """
        {{> top}}
        <h1>Settings</h1>
        {{> settings-nav}}
        <section>
        <h2>Models</h2>
        {{#tested}}<div class="notice" id="model-test" role="status"><strong>{{model}}</strong>: {{result}}</div>{{/tested}}
        {{#hasModels}}
        <table class="list" id="models"><thead><tr><th scope="col">Name</th><th scope="col">Structured output</th><th scope="col">Endpoint</th><th scope="col">Model</th><th scope="col">Price in / out per 1M tokens</th><th scope="col"></th></tr></thead><tbody>
        {{#models}}<tr><td>{{name}}</td><td>{{structured}}</td><td><code>{{endpoint}}</code></td><td>{{model}}</td><td>{{priceIn}} / {{priceOut}}</td>
        <td>{{#can.settingsManage}}<form method="post" action="/ui/settings/models/{{name}}/test"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Test</button></form>{{/can.settingsManage}}</td></tr>{{/models}}
        </tbody></table>
        {{/hasModels}}
        {{^hasModels}}<p class="muted">No models: add one with <code>agentctl models add</code>.</p>{{/hasModels}}
        </section>
        {{> bottom}}
        """

    static let settingsAudit = """
        {{> top}}
        <h1>Settings</h1>
        {{> settings-nav}}
        <section>
        <h2>Audit log</h2>
        <form method="get" action="/ui/settings/audit" class="filters" role="search">
          <label for="audit-action">Action</label><input id="audit-action" name="action" value="{{filter.action}}" placeholder="workflow.apply">
          <label for="audit-actor">Actor</label><input id="audit-actor" name="actor" value="{{filter.actor}}">
          <label for="audit-since">Since</label><input id="audit-since" name="since" value="{{filter.since}}" placeholder="7d" size="8">
          <button type="submit">Filter</button>
        </form>
        {{#can.auditVerify}}
        <form method="post" action="/ui/settings/audit/verify" id="verify-form"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" id="verify-chain">Verify the chain</button></form>
        {{/can.auditVerify}}
        {{#verified}}<p class="notice" role="status" id="chain-result">{{verified}}</p>{{/verified}}
        {{#hasEvents}}
        <table class="list" id="audit"><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Target</th><th scope="col">Details</th></tr></thead><tbody>
        {{#events}}<tr><td>{{seq}}</td><td>{{when}}</td><td>{{actor}}</td><td><code>{{action}}</code></td><td>{{outcome}}</td><td>{{target}}</td><td>{{details}}</td></tr>{{/events}}
        </tbody></table>
        {{/hasEvents}}
        {{^hasEvents}}<p class="muted">No events match.</p>{{/hasEvents}}
        {{#next}}<p><a href="/ui/settings/audit?{{next}}" rel="next">Older events</a></p>{{/next}}
        </section>
        {{> bottom}}
        """
}
