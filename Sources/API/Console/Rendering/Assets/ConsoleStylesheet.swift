/// The console's one stylesheet: system fonts (nothing to download), light and dark from the
/// system setting, sizes in rem so 200 % zoom reflows instead of clipping, visible focus.
enum ConsoleStylesheet {
    static let text = """
        :root { --bg: #fbfbfc; --fg: #1c1e21; --muted: #5d6470; --line: #d6d9de; --panel: #ffffff; --accent: #1f5fbf;
          --accent-fg: #ffffff; --ok: #1e7b34; --failed: #b3261e; --warn: #8a5a00; --running: #1f5fbf; --code: #f1f3f5;
          color-scheme: light dark; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #16181c; --fg: #e6e8eb; --muted: #a2a9b4; --line: #363b44; --panel: #1e2127; --accent: #7aa7ff;
            --accent-fg: #0b1426; --ok: #6fd08a; --failed: #ff8a80; --warn: #f0c36a; --running: #7aa7ff; --code: #262a31; }
        }
        * { box-sizing: border-box; }
        html { font-size: 100%; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 0.95rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
          outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999rem; }
        .skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: .5rem; z-index: 10; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .6rem 1.5rem; background: var(--panel);
          border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--fg); }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        nav a { text-decoration: none; padding: .2rem .1rem; color: var(--fg); }
        nav a[aria-current=page] { border-bottom: 3px solid var(--accent); font-weight: 600; }
        .search-box input { min-width: 12rem; }
        form.favorite { margin: -.5rem 0 1rem; }
        .snippet { margin: .25rem 0 0; }
        mark { background: var(--accent); color: var(--accent-fg); padding: 0 .1em; border-radius: 2px; }
        .who { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: .75rem; color: var(--muted); }
        .who form { display: inline; }
        main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
        h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
        .heading { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; justify-content: space-between; }
        .muted, .hint, .meta { color: var(--muted); }
        .hint { font-size: .85rem; margin: .1rem 0 .5rem; }
        code, pre, textarea.code, #document { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88rem; }
        pre { background: var(--code); padding: .75rem; border-radius: 6px; overflow: auto; max-height: 30rem; }
        label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
        input, select, textarea { font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
          padding: .4rem .5rem; max-width: 100%; }
        input[type=checkbox] { width: auto; }
        .field label { display: inline-block; }
        .field input:not([type=checkbox]), .field select, .field textarea { display: block; width: 100%; max-width: 32rem; }
        button, .button { font: inherit; display: inline-block; cursor: pointer; border: 1px solid var(--line); background: var(--panel);
          color: var(--fg); padding: .4rem .9rem; border-radius: 6px; text-decoration: none; margin-top: .6rem; }
        button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
        button.danger { border-color: var(--failed); color: var(--failed); }
        button.link { border: none; background: none; color: var(--accent); padding: 0; margin: 0; text-decoration: underline; }
        .alert { border: 1px solid var(--failed); color: var(--failed); background: var(--panel); padding: .6rem .8rem; border-radius: 6px; }
        td.permissions { font-size: .85rem; color: var(--muted); }
        .subnav { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin-bottom: 1rem; border-bottom: 1px solid var(--line); padding-bottom: .4rem; }
        .subnav a { text-decoration: none; }
        .subnav a[aria-current=page] { font-weight: 650; text-decoration: underline; }
        .notice { border: 1px solid var(--accent); background: var(--panel); padding: .6rem .8rem; border-radius: 6px; }
        .decision { display: flex; flex-wrap: wrap; align-items: end; gap: .25rem .75rem; }
        .decision label { margin: 0; }
        .login { max-width: 24rem; margin: 3rem auto; }
        .login input { width: 100%; }
        .sso { list-style: none; padding: 0; }
        .filters { display: flex; flex-wrap: wrap; align-items: end; gap: .25rem .75rem; margin-bottom: 1rem; }
        .filters label { margin: 0; }
        .filters button { margin: 0; }
        table.list { border-collapse: collapse; width: 100%; background: var(--panel); }
        table.list th, table.list td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        table.list th { font-size: .85rem; color: var(--muted); }
        .tag, .env { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; font-size: .8rem; text-decoration: none; }
        .status { display: inline-block; border-radius: 4px; padding: 0 .4rem; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
        .status.succeeded, .ok { color: var(--ok); }
        .status.failed, .failed, .error-text { color: var(--failed); }
        .status.running, .status.queued { color: var(--running); }
        .status.waiting, .status.retrying { color: var(--warn); }
        .status.cancelled, .status.skipped, .status.pending { color: var(--muted); }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .75rem; }
        .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; display: flex; flex-direction: column; }
        .card .label { color: var(--muted); font-size: .85rem; }
        .card .value { font-size: 1.5rem; font-weight: 650; }
        .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; margin-top: 1rem; }
        figure { margin: 0; }
        figcaption { color: var(--muted); font-size: .85rem; }
        svg.chart { max-width: 100%; height: auto; }
        svg.chart .axis { stroke: var(--line); }
        svg.chart .tick { fill: var(--muted); font-size: 10px; }
        svg.chart rect.ok { fill: var(--ok); } svg.chart rect.failed { fill: var(--failed); } svg.chart rect.cost { fill: var(--accent); }
        svg.chart rect.other { fill: var(--muted); }
        .dag { overflow: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .5rem; }
        .dag svg { max-width: none; }
        .dag svg text { fill: #1c1e21; }
        .dag g.node[data-status=succeeded] rect { stroke: #1e7b34; stroke-width: 3; }
        .dag g.node[data-status=failed] rect, .dag g.node[data-status=poisoned] rect { stroke: #b3261e; stroke-width: 3; }
        .dag g.node[data-status=running] rect { stroke: #1f5fbf; stroke-width: 3; stroke-dasharray: 6 3; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1.5rem; }
        .columns > section { min-width: 0; overflow-x: auto; }
        .timeline { list-style: none; padding: 0; }
        .timeline li { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin-bottom: .5rem; }
        .timeline pre { margin: .4rem 0 0; }
        .events { font-size: .85rem; max-height: 20rem; overflow: auto; }
        .actions { display: flex; gap: .75rem; }
        .editor-panes { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 1rem; }
        .code-box { display: flex; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); max-height: 40rem; overflow: auto; }
        .gutter { display: flex; flex-direction: column; padding: .4rem .3rem; text-align: right; color: var(--muted); user-select: none;
          font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88rem; line-height: 1.5; min-width: 2.5rem; }
        .gutter .line-error { color: var(--accent-fg); background: var(--failed); border-radius: 3px; }
        #document { flex: 1; border: none; resize: vertical; min-height: 24rem; line-height: 1.5; padding: .4rem .5rem; white-space: pre;
          overflow-wrap: normal; overflow-x: auto; tab-size: 2; }
        #validation-status[data-state=ok] { color: var(--ok); font-weight: 600; }
        #validation-status[data-state=issues] { color: var(--failed); font-weight: 600; }
        #issues li { color: var(--failed); }
        meter { width: 100%; }
        table.diff { border-collapse: collapse; width: 100%; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85rem;
          background: var(--panel); }
        table.diff td { padding: 0 .4rem; white-space: pre-wrap; vertical-align: top; }
        table.diff td.n { color: var(--muted); text-align: right; width: 3rem; user-select: none; }
        table.diff tr.changed .old, table.diff tr.removed .old { background: color-mix(in srgb, var(--failed) 18%, transparent); }
        table.diff tr.changed .new, table.diff tr.added .new { background: color-mix(in srgb, var(--ok) 18%, transparent); }
        .error-page { max-width: 40rem; }
        """
}
