"""The dashboard's look: one stylesheet, inlined into the page template by create_app. Kept as a
Python string rather than an assets/ file so it ships with the package however it is installed."""

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px;
       color: #222; background: #f5f6f8; }
a { color: #1f5fa8; }
h2 { margin: 4px 0 6px; font-size: 22px; }
h3 { margin: 18px 0 8px; font-size: 16px; }
code { background: #eef; padding: 1px 4px; border-radius: 3px; }
.header { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px;
          background: #1d2b3a; color: white; }
.header-left { display: flex; align-items: center; gap: 28px; }
.brand { font-weight: 700; font-size: 17px; letter-spacing: 0.2px; }
.nav-link { color: #cfe0f5; text-decoration: none; margin-right: 18px; font-size: 15px; }
.nav-link:hover { color: white; text-decoration: underline; }
.nav-link.active { color: white; font-weight: 700; border-bottom: 3px solid #ffb000; padding-bottom: 2px; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #ffb000; outline-offset: 2px; }
.body-row { display: flex; align-items: flex-start; max-width: 1800px; margin: 0 auto; }
.page-slot { flex: 1 1 auto; min-width: 0; }
.jobs-panel { flex: 0 0 300px; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 16px 16px 0 0; }
.jobs:empty { display: none; }
.jobs { background: white; border-radius: 8px; padding: 4px 12px 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.jobs::before { content: "Jobs"; display: block; font-weight: 700; font-size: 15px; margin: 6px 0 2px; }
.jobs .progress { width: 100%; }
.jobs .progress-row { flex-wrap: wrap; gap: 4px; }
.job-cancel { margin-top: 4px; padding: 3px 12px; border: 1px solid #b3261e; color: #b3261e; background: white;
              border-radius: 4px; cursor: pointer; }
.header-db { color: #9fb3c8; font-size: 12px; }
.page { max-width: 1500px; margin: 0 auto; padding: 16px 24px 48px; }
.muted { color: #666; }
.error-text { color: #b3261e; }
.success-text { color: #1b7f3b; font-weight: 600; }
.two-columns { display: grid; grid-template-columns: 270px 1fr; gap: 24px; }
.sidebar { background: white; border-radius: 8px; padding: 8px 16px 16px; align-self: start;
           box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.content { min-width: 0; }
.scenario-list { list-style: none; padding: 0; margin: 0; }
.scenario-list li { padding: 4px 0; overflow-wrap: break-word; }
.scenario-list a.active { font-weight: 700; color: #111; }
.description { max-width: 900px; }
.table-scroll { overflow-x: auto; }
.form-table { border-collapse: collapse; background: white; border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.form-table th { text-align: left; font-weight: 600; padding: 8px; background: #eef1f5; white-space: nowrap; }
.form-table td { padding: 6px 8px; vertical-align: top; border-top: 1px solid #eceff3; }
.station-name { font-weight: 600; }
.field { min-width: 96px; }
.field-input { width: 100%; max-width: 130px; padding: 5px 7px; border: 1px solid #c5ccd6; border-radius: 4px;
               font-size: 13px; }
.field-input.changed { border: 2px solid #0072b2; background: #eaf4fb; font-weight: 600; }
.field-input.invalid { border-color: #b3261e; background: #fff4f3; }
.field-error { color: #b3261e; font-size: 12px; max-width: 220px; margin-top: 2px; }
.field-error:empty { display: none; }
.line-fields { display: flex; gap: 20px; flex-wrap: wrap; margin-top: 14px; }
.line-fieldset { border: 1px solid #d9dee5; border-radius: 8px; background: white; display: flex; gap: 14px;
                 flex-wrap: wrap; padding: 8px 14px 12px; }
.line-fieldset legend { font-weight: 600; padding: 0 4px; }
.line-field { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: #444; }
.form-summary { margin-top: 12px; }
.changes { background: #eef6ff; border-radius: 6px; padding: 6px 10px; margin-top: 6px; }
.actions { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; margin-top: 8px; }
.action { background: white; border-radius: 8px; padding: 4px 16px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.text-input { padding: 6px 8px; border: 1px solid #c5ccd6; border-radius: 4px; width: 60%; margin-right: 8px; }
.button { padding: 7px 16px; border: 1px solid #1f5fa8; background: white; color: #1f5fa8; border-radius: 5px;
          cursor: pointer; font-size: 14px; }
.button:hover { background: #eef4fb; }
.button-primary { background: #1f5fa8; color: white; }
.button-primary:hover { background: #184c87; }
.button-small { padding: 3px 10px; border: 1px solid #aab4c0; background: white; border-radius: 4px; cursor: pointer;
                font-size: 12px; }
.notice { padding: 8px 12px; border-radius: 6px; margin: 8px 0; white-space: pre-line; }
.notice-info { background: #eef4fb; }
.notice-warning { background: #fff6e0; }
.notice-error { background: #fde8e6; color: #8c1d18; }
.notice-success { background: #e6f4ea; }
.job { border-top: 1px solid #eceff3; padding: 8px 0; }
.job-title { font-weight: 600; margin-bottom: 4px; }
.progress-row { display: flex; align-items: center; gap: 10px; margin: 6px 0; }
.progress { width: 260px; height: 14px; }
.progress-text { color: #444; }
.small { font-size: 12px; }
.title-row { display: flex; align-items: center; gap: 14px; }
.badge { padding: 2px 10px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #ddd; }
.badge-complete { background: #e6f4ea; color: #1b7f3b; }
.badge-running { background: #eef4fb; color: #1f5fa8; }
.badge-interrupted, .badge-failed { background: #fde8e6; color: #8c1d18; }
.kpi-cards { display: grid; grid-template-columns: repeat(6, minmax(150px, 1fr)); gap: 12px; margin: 12px 0; }
.kpi-card { background: white; border-radius: 8px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.kpi-title { color: #555; font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.kpi-value { font-size: 24px; font-weight: 700; }
.kpi-unit { color: #555; }
.kpi-ci { color: #666; font-size: 12px; }
.kpi-also { color: #333; font-size: 12px; }
th .hint { display: inline-block; width: 15px; height: 15px; line-height: 15px; margin-left: 4px; border-radius: 50%;
           background: #0072b2; color: white; font-size: 11px; text-align: center; cursor: help; }
.table-block .data-table th { white-space: normal; max-width: 120px; vertical-align: bottom; }
.kpi-note { color: #c0392b; font-size: 12px; font-weight: 600; }
.bottleneck-sentence { background: white; border-left: 4px solid #c0392b; padding: 2px 12px; border-radius: 4px;
                       margin: 8px 0 12px; }
.verdict-row { display: flex; gap: 18px; align-items: flex-start; flex-wrap: wrap; padding: 6px 12px; }
.verdict-text { flex: 1 1 420px; }
.verdict-headline { font-size: 16px; }
.verdict-why { color: #7a4a00; }
.verdict-evidence { flex: 0 1 auto; }
.verdict-evidence .data-table { min-width: 0; font-size: 12px; }
.graph { background: white; border-radius: 8px; padding: 6px; margin: 10px 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.two-graphs { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.two-graphs .graph { margin: 0; }
.table-block { margin: 14px 0; }
.table-header { display: flex; align-items: center; gap: 14px; }
.data-table { border-collapse: collapse; background: white; font-size: 13px; min-width: 400px; }
.data-table th { background: #eef1f5; text-align: left; padding: 6px 10px; font-weight: 600; white-space: nowrap; }
.data-table td { padding: 5px 8px; border-top: 1px solid #eceff3; white-space: nowrap; }
.data-table td.number { text-align: right; font-variant-numeric: tabular-nums; }
.data-table tr.marked td { background: #fff3df; font-weight: 600; }
.table-note { color: #666; font-size: 12px; margin: 4px 0; }
.picker, .picker-row { margin: 10px 0 14px; max-width: 1000px; }
.picker-row { display: flex; gap: 16px; }
.picker-row .grow { flex: 1; }
.picker-row .narrow { width: 260px; }
.downloads { margin: 12px 0; }
.compare-with { background: white; border-radius: 8px; padding: 4px 16px 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.jobs-panel:has(.jobs:empty) { display: none; }
.sweep-form { background: white; border-radius: 8px; padding: 8px 16px 14px; margin: 8px 0 14px;
              box-shadow: 0 1px 2px rgba(0,0,0,.08); max-width: 1100px; }
.sweep-form summary { font-weight: 700; font-size: 15px; cursor: pointer; padding: 4px 0; }
.sweep-row { display: grid; grid-template-columns: minmax(240px, 2fr) 1fr; gap: 14px; margin: 8px 0; }
.sweep-axes { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.sweep-axis { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 10px; border: 1px solid #d9dee5;
              border-radius: 8px; padding: 8px 10px; }
.sweep-axis .axis-title { grid-column: 1 / -1; font-weight: 600; }
.sweep-axis label:last-child { grid-column: 1 / -1; }
.text-input.wide { width: 100%; }
.grid-row { display: grid; grid-template-columns: 1fr 2fr auto; gap: 14px; margin: 8px 0; }
.delete-row { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; margin-top: 18px; }
.delete-select { width: 420px; }
.button-danger { border-color: #b3261e; color: #b3261e; }
.text-input.narrow { width: 110px; display: block; }
.button-link { display: inline-block; text-decoration: none; }
.home-title { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.home-title p { margin: 0; }
.first-run-row { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.line-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px; margin: 10px 0; }
.line-card { background: white; border-radius: 8px; padding: 10px 16px 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.card-head h3 { margin: 2px 0; }
.card-buttons { display: flex; gap: 10px; margin: 6px 0; }
.card-blurb { color: #444; margin: 4px 0 8px; font-size: 13px; }
.line-figures { display: grid; grid-template-columns: 1.3fr 1.1fr 0.8fr; gap: 10px; }
.line-figure-label { color: #555; font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.line-figure-value { font-size: 22px; font-weight: 700; }
.meter { position: relative; height: 8px; background: #e3e7ec; border-radius: 4px; margin: 5px 0 2px; }
.meter-fill { height: 100%; background: #0072b2; border-radius: 4px; }
.meter-mark { position: absolute; top: -3px; width: 2px; height: 14px; background: #222; }
.card-verdict { border-left: 4px solid #d55e00; padding: 2px 8px; margin: 10px 0 6px; }
.view-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; }
.view-card { background: white; border-radius: 8px; padding: 8px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.view-card a { font-weight: 700; font-size: 15px; }
.view-later { background: #f0f2f5; }
@media (max-width: 1279px) {
  .body-row { flex-direction: column-reverse; }
  .jobs-panel { position: static; flex: none; width: 100%; max-height: none; padding: 12px 24px 0; }
}
@media (max-width: 1100px) {
  .kpi-cards { grid-template-columns: repeat(3, 1fr); }
  .two-graphs, .actions, .two-columns, .sweep-axes { grid-template-columns: 1fr; }
}
"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <style>""" + CSS + """</style>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""
