"""The Jinja2 template of the HTML report (autoescaped; no user text inside <style>)."""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.title }} — {{ r.period.label }}</title>
<style>
body { font-family: system-ui, sans-serif; color: #1d2430; margin: 0 auto; max-width: 60rem;
       padding: 1.5rem; line-height: 1.4; }
header { display: flex; align-items: center; gap: 1rem; border-bottom: 2px solid #3b7dd8;
         padding-bottom: .75rem; }
header img { max-height: 3.5rem; max-width: 12rem; }
h1 { margin: 0; font-size: 1.6rem; } h2 { margin-top: 2rem; color: #24507f; }
.muted { color: #667; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #dde; padding: .3rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.up { color: #2c7a3f; } .down { color: #b3312c; }
.chart svg { max-width: 100%; height: auto; }
.post { border: 1px solid #dde; border-radius: .4rem; padding: .75rem; margin: .75rem 0;
        display: flex; gap: 1rem; }
.post img { max-width: 10rem; max-height: 10rem; object-fit: cover; }
.post p { white-space: pre-wrap; margin: .25rem 0; }
@media print { .post, .chart { break-inside: avoid; } }
</style>
</head>
<body>
<header>
  {% if logo %}<img src="{{ logo }}" alt="logo">{% endif %}
  <div>
    <div class="muted">{{ r.agency.name or "ClientNest" }}</div>
    <h1>{{ r.title }}</h1>
    <div class="muted">Report for {{ r.period.label }} ({{ r.timezone }}),
      compared with the period before</div>
  </div>
</header>

{% macro cell(block, key, fmt) -%}
<td data-figure="{{ key }}" data-value="{{ block[key]|tojson }}">
  {{- fmt(block[key]) }}
  {%- set ch = block.change[key] %}
  {%- if ch is not none %} <span class="{{ 'up' if ch >= 0 else 'down' }}">{{ ch|delta }}</span>{% endif -%}
</td>
{%- endmacro %}
{% macro row(name, kind, block) -%}
<tr data-kind="{{ kind }}" data-name="{{ name }}">
  <td>{{ name }}</td>
  {{ cell(block, "posts", num) }}
  {{ cell(block, "impressions", num) }}
  {{ cell(block, "interactions", num) }}
  {{ cell(block, "engagement_rate", rate(block)) }}
  <td data-figure="followers_change" data-value="{{ block.followers_change|tojson }}">
    {{- "—" if block.followers_change is none else "{:+,}".format(block.followers_change) -}}
  </td>
</tr>
{%- endmacro %}

<h2>Summary</h2>
<table id="summary">
<thead><tr><th></th><th>posts</th><th>impressions</th><th>interactions</th>
<th>engagement</th><th>followers</th></tr></thead>
<tbody>
{% for p in r.platforms %}{{ row(p.platform, "platform", p) }}
{% endfor %}
{% for a in r.accounts %}{{ row(a.account, "account", a) }}
{% endfor %}
{% if r.total %}{{ row("All accounts", "total", r.total) }}{% endif %}
</tbody>
</table>

<h2>Audience</h2>
<div class="chart" id="chart-followers">{{ charts.followers or "No follower counts in this period." }}</div>
<h2>Engagement per week</h2>
<div class="chart" id="chart-weekly">{{ charts.weekly or "No posts in this period." }}</div>
<h2>Posts per platform</h2>
<div class="chart" id="chart-platforms">{{ charts.platforms or "No posts in this period." }}</div>

<h2>Best times to post</h2>
{% for h in heatmaps %}
<h3>{{ h.account }} <span class="muted">({{ h.timezone }})</span></h3>
{% if not h.enough_data %}<p class="muted">Little history yet: the best times lean on
similar accounts.</p>{% endif %}
<div class="chart chart-heatmap">{{ h.svg or "" }}</div>
<p>Best slots: {% for s in h.slots %}{{ days[s.weekday] }} {{ "%02d"|format(s.hour) }}:00
(×{{ "%.2f"|format(s.lift) }}){{ ", " if not loop.last }}{% endfor %}</p>
{% else %}<p class="muted">No posts to learn from.</p>
{% endfor %}

<h2>Top posts</h2>
{% for p in posts %}
<div class="post">
  {% if p.src %}<img src="{{ p.src }}" alt="{{ p.image.alt }}">{% endif %}
  <div>
    <div class="muted">{{ p.account }} · {{ p.published_at[:16].replace("T", " ") }}
      {% if p.href %}· <a href="{{ p.href }}" rel="noopener noreferrer">view post</a>{% endif %}</div>
    <p>{{ p.text }}</p>
    <div>{{ p.interactions|num }} interactions ({{ p.likes|num }} likes, {{ p.comments|num }}
      comments, {{ p.shares|num }} shares){% if p.impressions is not none %},
      {{ p.impressions|num }} impressions{% endif %}{% if p.engagement_rate is not none %},
      engagement {{ p.engagement_rate|pct }}{% endif %}</div>
    {% if p.sentiment %}<div class="muted">Comments: {{ p.sentiment.positive }} positive,
      {{ p.sentiment.neutral }} neutral, {{ p.sentiment.negative }} negative</div>{% endif %}
  </div>
</div>
{% else %}<p class="muted">No published posts in this period.</p>
{% endfor %}

<h2>What people said</h2>
{% if r.sentiment.comments %}
<p id="sentiment">{{ r.sentiment.comments }} comments: {{ r.sentiment.positive }} positive,
{{ r.sentiment.neutral }} neutral, {{ r.sentiment.negative }} negative{% if r.sentiment.unscored %},
{{ r.sentiment.unscored }} in a language the scorer cannot read{% endif %}.</p>
{% else %}<p class="muted">No comments scored in this period.</p>{% endif %}

<h2>What to try next</h2>
{% for rec in r.recommendations %}<p>{{ rec.text }} <span class="muted">{{ rec.evidence }}</span></p>
{% else %}<p class="muted">No recommendations yet for this period.</p>{% endfor %}

<h2>Coming up</h2>
{% if r.schedule %}
<table id="schedule"><thead><tr><th>when</th><th>account</th><th>post</th></tr></thead><tbody>
{% for s in r.schedule %}<tr><td>{{ s.scheduled_at[:16].replace("T", " ") }}</td>
<td>{{ s.account }}</td><td style="text-align:left">{{ s.text }}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p class="muted">Nothing scheduled for the coming weeks.</p>{% endif %}
<p class="muted">Made with ClientNest from the figures in its store.</p>
</body>
</html>
"""
