/// The frame every page shares: head, the top bar with the navigation and the signed-in
/// person, and the end. Pages include `{{> top}}` and `{{> bottom}}`.
extension ConsoleTemplates {
    static let top = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        {{#csrf}}<meta name="csrf-token" content="{{csrf}}">{{/csrf}}
        <title>{{title}} · agentd</title>
        <link rel="stylesheet" href="{{assets.css}}">
        <script src="{{assets.js}}" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        {{#user}}
        <header class="top">
          <a class="brand" href="/ui/dashboard">agentd</a>
          <nav id="nav" aria-label="Main">
            {{#can.executionsView}}<a href="/ui/dashboard"{{#nav.dashboard}} aria-current="page"{{/nav.dashboard}}>Dashboard</a>{{/can.executionsView}}
            {{#can.workflowsView}}<a href="/ui/workflows"{{#nav.workflows}} aria-current="page"{{/nav.workflows}}>Workflows</a>{{/can.workflowsView}}
            {{#can.executionsView}}<a href="/ui/executions"{{#nav.executions}} aria-current="page"{{/nav.executions}}>Executions</a>{{/can.executionsView}}
            {{#can.executionsView}}<a href="/ui/approvals"{{#nav.approvals}} aria-current="page"{{/nav.approvals}}>Approvals</a>{{/can.executionsView}}
            {{#can.costsView}}<a href="/ui/costs"{{#nav.costs}} aria-current="page"{{/nav.costs}}>Costs</a>{{/can.costsView}}
            {{#can.alertsView}}<a href="/ui/alerts"{{#nav.alerts}} aria-current="page"{{/nav.alerts}}>Alerts</a>{{/can.alertsView}}
            {{#can.settings}}<a href="/ui/settings"{{#nav.settings}} aria-current="page"{{/nav.settings}}>Settings</a>{{/can.settings}}
          </nav>
          <form method="get" action="/ui/search" role="search" class="search-box">
            <label for="search-box" class="skip">Search</label>
            <input id="search-box" type="search" name="q" placeholder="Search" maxlength="1000">
          </form>
          <div class="who">
            <span class="person" title="Signed in as">{{user}}</span>
            <span class="org" title="Organisation">{{org}}</span>
            {{#csrf}}
            <form method="post" action="/ui/logout" id="logout-form">
              <input type="hidden" name="csrf_token" value="{{csrf}}">
              <button id="logout" type="submit" class="link">Sign out</button>
            </form>
            {{/csrf}}
          </div>
        </header>
        {{/user}}
        <main id="main">
        """

    static let bottom = """
        </main>
        </body>
        </html>
        """

    static let error = """
        {{> top}}
        <section class="error-page">
        <h1>{{heading}}</h1>
        <p>{{detail}}</p>
        {{#requestID}}<p class="muted">Request <code>{{requestID}}</code></p>{{/requestID}}
        <p><a href="/ui/dashboard">Back to the dashboard</a></p>
        </section>
        {{> bottom}}
        """

    static let login = """
        {{> top}}
        <section class="login">
        <h1>Sign in to agentd</h1>
        {{#problem}}<p class="alert" role="alert" id="login-error">{{problem}}</p>{{/problem}}
        <form method="post" action="/ui/login" id="login-form">
          <input type="hidden" name="next" value="{{next}}">
          <label for="login">Login</label>
          <input id="login" name="login" autocomplete="username" required value="{{login}}" autofocus>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          <label for="totp_code">Authenticator code <span class="muted">(if you enrolled one)</span></label>
          <input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
          <label for="org">Organisation <span class="muted">(optional: your first by default)</span></label>
          <input id="org" name="org" value="{{org}}">
          <button id="sign-in" type="submit" class="primary">Sign in</button>
        </form>
        {{#hasSSO}}
        <h2>Or with your organisation's sign-in</h2>
        <ul class="sso">
        {{#sso}}<li><a class="button sso-button" href="/auth/login/{{name}}?return_to={{returnTo}}">Sign in with {{display}}</a></li>{{/sso}}
        </ul>
        {{/hasSSO}}
        </section>
        {{> bottom}}
        """
}

/// The console's templates by name; `ConsoleView` parses them once.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "top": top, "bottom": bottom, "error": error, "login": login,
        "dashboard": dashboard, "dashboard-live": dashboardLive,
        "workflows": workflows, "workflow": workflow, "workflow-diff": workflowDiff, "editor": editor,
        "costs": costs, "approvals": approvals, "alerts": alerts,
        "settings-nav": settingsNav, "settings-users": settingsUsers, "settings-keys": settingsKeys, "settings-secrets": settingsSecrets,
        "settings-models": settingsModels, "settings-audit": settingsAudit,
        "executions": executions, "execution-rows": executionRows, "execution": execution, "execution-live": executionLive,
        "search": search, "favorite-button": favoriteButton, "shared": shared,
    ]
}
