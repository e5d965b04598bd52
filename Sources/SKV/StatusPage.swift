/// The status page served at `/` of `--metrics-listen`: one self-contained HTML document
/// (inline style and script, no external assets) that polls `/status.json` every second and
/// draws the cluster: each group's members with role, place in the membership (voter,
/// learner, outgoing voter of a joint change, removed), term, commit and applied index and lag
/// (unreachable members greyed out with the error), the leader, term and membership (index,
/// voters, learners, joint state) per group, and for ShardKV and the controller the shard →
/// group map, shards in migration highlighted.
///
/// Stable hooks for tests and scripts: `#leader-GROUP` holds a group's leader id (`-` if
/// none), `#membership-GROUP` its membership summary, `#shard-N` a shard's cell with
/// `data-gid` and `data-migrating`, `#updated` the time of the last refresh, `#connection`
/// `live` or the fetch error.
enum StatusPage {
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>swift-skv status</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; color: #1d232a; background: #f5f6f8; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        .sub { color: #5a6570; margin-bottom: 16px; }
        .pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; }
        .live { background: #d8f3dc; color: #1b5e20; }
        .down { background: #ffd6d6; color: #8b0000; }
        .card { background: #fff; border: 1px solid #d9dee3; border-radius: 6px; padding: 12px 14px;
                margin-bottom: 14px; }
        .card h2 { font-size: 16px; margin: 0 0 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff2; white-space: nowrap; }
        th { font-weight: 600; color: #5a6570; font-size: 12px; text-transform: uppercase; }
        tr.leader td { font-weight: 600; }
        tr.unreachable td { color: #9aa3ab; font-style: italic; }
        .role-leader { color: #1b5e20; }
        .lagging { color: #b45f06; font-weight: 600; }
        .member-learner, .member-outgoing-voter { color: #b45f06; }
        .member-removed { color: #8b0000; }
        .shards { display: grid; grid-template-columns: repeat(10, 1fr); gap: 6px; }
        .shard { border-radius: 5px; padding: 8px 4px; text-align: center; color: #fff; font-weight: 600;
                 border: 3px solid transparent; }
        .shard small { display: block; font-weight: 400; font-size: 11px; opacity: .9; }
        .shard.unowned { background: #9aa3ab; }
        .shard.migrating { border-color: #ff8c00; box-shadow: 0 0 0 2px #ffd59e; animation: pulse 1s infinite; }
        @keyframes pulse { 50% { box-shadow: 0 0 0 5px #ffd59e; } }
        td.note { max-width: 380px; overflow: hidden; text-overflow: ellipsis; }
        .problem { color: #8b0000; }
        .legend { color: #5a6570; font-size: 12px; margin-top: 6px; }
        </style>
        </head>
        <body>
        <h1>swift-skv cluster status</h1>
        <div class="sub"><span id="observer">connecting…</span> ·
          <span id="connection" class="pill down">connecting</span> · updated <span id="updated">never</span></div>
        <div id="problems"></div>
        <div id="shardmap"></div>
        <div id="groups"></div>
        <script>
        "use strict";
        // Entries a member's applied index may trail its group's commit index before it is shown
        // as lagging (a few are normal under load, and a new leader's no-op is never applied).
        const lagWarningEntries = 100;
        const palette = ["#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#9c755f", "#edc948", "#ff9da7"];
        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (key === "class") node.className = value; else node.setAttribute(key, value);
          }
          for (const child of children) {
            node.append(child instanceof Node ? child : document.createTextNode(child == null ? "-" : String(child)));
          }
          return node;
        }
        function color(gid, gids) { return palette[gids.indexOf(gid) % palette.length]; }
        function renderShards(status) {
          const box = document.getElementById("shardmap");
          box.replaceChildren();
          if (!status.shards.length) return;
          const gids = [...new Set(status.shards.map(s => s.gid).filter(g => g !== null))].sort((a, b) => a - b);
          const grid = el("div", {class: "shards"});
          for (const shard of status.shards) {
            const cls = "shard" + (shard.gid === null ? " unowned" : "") + (shard.migrating ? " migrating" : "");
            const cell = el("div", {class: cls, id: "shard-" + shard.shard, "data-gid": shard.gid === null ? "" : shard.gid,
                                    "data-migrating": shard.migrating},
                            "shard " + shard.shard,
                            el("small", {}, shard.gid === null ? "no group" : "→ group " + shard.gid),
                            el("small", {}, shard.migrating ? "migrating (" + (shard.state || "moving") + ")"
                                                           : (shard.state || "")));
            if (shard.gid !== null) cell.style.background = color(shard.gid, gids);
            grid.append(cell);
          }
          box.append(el("div", {class: "card"},
                        el("h2", {}, "Shard map (configuration " + status.configNum + ")"), grid,
                        el("div", {class: "legend"}, "Highlighted shards are in migration between groups.")));
        }
        function renderGroups(status) {
          const box = document.getElementById("groups");
          box.replaceChildren();
          const sharded = status.kind === "shardkv";
          for (const group of status.groups) {
            const title = group.gid !== null ? "Group " + group.gid : (group.name === "kv" ? "KV group" : "Controller group");
            const reachable = group.members.filter(m => m.reachable).length;
            const head = ["Id", "Address", "Role", "Member", "Term", "Commit", "Applied", "Lag"]
              .concat(sharded ? ["Config", "Shards held"] : []).concat(["Note"]);
            const table = el("table", {}, el("tr", {}, ...head.map(h => el("th", {}, h))));
            for (const m of group.members) {
              const row = el("tr", {class: m.reachable ? (m.role === "leader" ? "leader" : "") : "unreachable"},
                el("td", {}, m.id), el("td", {}, m.address), el("td", {class: "role-" + m.role}, m.role),
                el("td", {class: "member-" + m.membershipRole}, m.membershipRole),
                el("td", {}, m.term), el("td", {}, m.commitIndex), el("td", {}, m.appliedIndex),
                el("td", {class: m.lag > lagWarningEntries ? "lagging" : ""}, m.lag));
              if (sharded) {
                row.append(el("td", {}, m.configNum),
                           el("td", {}, m.shards.map(s => s.shard + ":" + s.state + "(" + s.keys + ")").join(" ") || "-"));
              }
              row.append(el("td", {class: "note", title: m.error || ""}, m.error || ""));
              table.append(row);
            }
            box.append(el("div", {class: "card"},
              el("h2", {}, title + " · leader ", el("span", {id: "leader-" + group.name}, group.leader),
                 " · term " + (group.term == null ? "-" : group.term) +
                 " · commit " + (group.commitIndex == null ? "-" : group.commitIndex) +
                 " · " + reachable + "/" + group.members.length + " reachable"),
              el("div", {class: "legend"}, "membership: ",
                 el("span", {id: "membership-" + group.name}, group.membershipSummary || "unknown")),
              table));
          }
        }
        function render(status) {
          document.getElementById("observer").textContent = "as seen by " + status.observer;
          const problems = document.getElementById("problems");
          problems.replaceChildren(...status.problems.map(p => el("div", {class: "card problem"}, p)));
          renderShards(status);
          renderGroups(status);
        }
        function connection(ok, text) {
          const node = document.getElementById("connection");
          node.textContent = text;
          node.className = "pill " + (ok ? "live" : "down");
        }
        async function refresh() {
          try {
            const response = await fetch("status.json", {cache: "no-store"});
            if (!response.ok) throw new Error("HTTP " + response.status);
            render(await response.json());
            connection(true, "live");
            document.getElementById("updated").textContent = new Date().toLocaleTimeString();
          } catch (error) {
            connection(false, "disconnected: " + error.message);
          }
        }
        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """#
}
