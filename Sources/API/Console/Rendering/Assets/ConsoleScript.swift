/// The console's one script, for what a page cannot do alone: the live parts (server-sent
/// events) and the editor's checks as you type. Every page works without it, read-only; it
/// writes text with `textContent`, and only markup agentd rendered (and escaped) with
/// `innerHTML`. Unsafe requests carry the page's CSRF token.
enum ConsoleScript {
    static let text = #"""
        "use strict";
        (function () {
          var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

          function post(url, body) {
            return fetch(url, { method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body) });
          }

          // Dashboard: the server sends the whole live part, rendered, every few seconds.
          function dashboard(root) {
            var source = new EventSource(root.dataset.liveSource);
            source.addEventListener("overview", function (event) { root.innerHTML = event.data; });
          }

          // An execution: follow its event stream; fetch the rendered live part again after
          // each burst of events; show LLM output as it streams.
          function execution(root) {
            var pending = null, source = new EventSource(root.dataset.events);
            var events = document.getElementById("events"), streams = {};
            // A model's answer so far, by node: put back after each refresh of the live part.
            function paint(node) {
              var stream = root.querySelector('pre[data-stream="' + CSS.escape(node) + '"]');
              if (stream) { stream.hidden = false; stream.textContent = streams[node]; }
            }
            function refresh() {
              if (pending) return;
              pending = setTimeout(function () {
                pending = null;
                fetch(root.dataset.live, { credentials: "same-origin" }).then(function (response) {
                  return response.ok ? response.text() : null;
                }).then(function (html) {
                  if (html === null) return;
                  root.innerHTML = html;
                  Object.keys(streams).forEach(paint);
                });
              }, 150);
            }
            function handle(event) {
              var data = {};
              try { data = JSON.parse(event.data); } catch (e) { return; }
              if (event.type === "llm.delta") {
                var piece = data.data && data.data.text;
                if (data.node && piece) {
                  streams[data.node] = (streams[data.node] || "") + piece;
                  paint(data.node);
                }
                return;
              }
              if (events) {
                var item = document.createElement("li");
                item.dataset.type = event.type;
                item.textContent = (data.at || "") + " " + event.type + (data.node ? " " + data.node : "");
                events.appendChild(item);
              }
              refresh();
              if (/^execution\.(succeeded|failed|cancelled)$/.test(event.type)) { source.close(); }
            }
            ["execution.queued", "execution.started", "execution.succeeded", "execution.failed", "execution.cancelled",
             "step.started", "step.succeeded", "step.failed", "step.skipped", "step.retrying", "step.waiting",
             "step.recovered", "step.poisoned", "llm.delta", "llm.tools", "llm.iteration", "budget.alert"].forEach(function (type) {
              source.addEventListener(type, handle);
            });
          }

          // The editor: line numbers, and a check (problems at their lines, DAG preview) a
          // moment after typing stops.
          function editor(form) {
            var area = document.getElementById("document"), gutter = form.querySelector(".gutter");
            var status = document.getElementById("validation-status"), issues = document.getElementById("issues");
            var preview = document.getElementById("preview"), timer = null, sequence = 0, bad = {};
            function lines() {
              var count = area.value.split("\n").length;
              area.rows = Math.max(24, count + 1);
              while (gutter.children.length < count) {
                var number = document.createElement("span");
                number.dataset.line = String(gutter.children.length + 1);
                number.textContent = number.dataset.line;
                gutter.appendChild(number);
              }
              while (gutter.children.length > count) { gutter.removeChild(gutter.lastChild); }
              Array.prototype.forEach.call(gutter.children, function (number) {
                number.classList.toggle("line-error", !!bad[number.dataset.line]);
              });
            }
            function show(result) {
              status.dataset.state = result.state;
              status.textContent = result.text;
              issues.textContent = "";
              bad = {};
              (result.issues || []).forEach(function (issue) {
                var item = document.createElement("li"), path = document.createElement("code");
                path.textContent = issue.path;
                item.appendChild(path);
                item.appendChild(document.createTextNode(" " + issue.message));
                if (issue.line) { item.dataset.line = String(issue.line); bad[issue.line] = true; }
                issues.appendChild(item);
              });
              if (typeof result.svg === "string") preview.innerHTML = result.svg;
              lines();
            }
            function check() {
              var mine = ++sequence;
              status.dataset.state = "checking";
              status.textContent = "Checking…";
              post(form.dataset.check, { document: area.value }).then(function (response) {
                return response.json();
              }).then(function (result) {
                if (mine === sequence) show(result);
              }).catch(function () {
                if (mine === sequence) { status.dataset.state = "error"; status.textContent = "Could not check (is agentd running?)"; }
              });
            }
            area.addEventListener("input", function () {
              lines();
              clearTimeout(timer);
              timer = setTimeout(check, 400);
            });
            lines();
            if (area.value.trim() !== "") check();
          }

          document.addEventListener("DOMContentLoaded", function () {
            var root = document.getElementById("dashboard");
            if (root && root.dataset.liveSource) dashboard(root);
            root = document.getElementById("execution");
            if (root && root.dataset.events) execution(root);
            var form = document.getElementById("editor-form");
            if (form) editor(form);
          });
        })();
        """#
}
